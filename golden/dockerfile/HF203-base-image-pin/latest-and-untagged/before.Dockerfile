FROM postgres:latest AS schema
COPY schema.sql /docker-entrypoint-initdb.d/

FROM --platform=$BUILDPLATFORM nats AS bus
FROM ollama/ollama
