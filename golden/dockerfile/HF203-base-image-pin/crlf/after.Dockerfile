FROM minio/minio:RELEASE.2024-12-18T13-15-44Z AS store
RUN echo ready
FROM postgrest/postgrest:v12.2.3
