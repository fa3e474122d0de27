FROM postgres:17.2 AS schema
COPY schema.sql /docker-entrypoint-initdb.d/

FROM --platform=$BUILDPLATFORM nats:2.10.24 AS bus
FROM ollama/ollama:0.5.4
