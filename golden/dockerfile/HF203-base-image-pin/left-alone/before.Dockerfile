ARG BASE=python:3.12-slim
FROM ${BASE} AS base
FROM base AS test
from BASE
FROM scratch
FROM postgres@sha256:4ec37d2a07a0067f176fdcc9d4bb633a5724d2cc4f892c7a2046d054bb6939e5
FROM postgres:16-alpine
