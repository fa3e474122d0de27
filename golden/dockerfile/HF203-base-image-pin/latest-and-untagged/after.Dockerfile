FROM postgres:15-alpine AS schema
COPY schema.sql /docker-entrypoint-initdb.d/

FROM --platform=$BUILDPLATFORM nats:2.10-alpine AS bus
FROM ollama/ollama:0.5.4
