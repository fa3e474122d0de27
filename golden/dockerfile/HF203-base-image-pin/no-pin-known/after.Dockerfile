FROM localhost:5000/team/api:latest
FROM quay.io/prometheus/node-exporter
FROM docker.io/library/postgres:17.2
