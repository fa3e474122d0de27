FROM minio/minio:latest AS store
RUN echo ready
FROM postgrest/postgrest
