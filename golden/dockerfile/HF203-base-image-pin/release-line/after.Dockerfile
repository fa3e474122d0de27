FROM postgres:15.10 AS vector
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends postgresql-server-dev-15 build-essential

FROM docker.io/library/postgres:15.10
COPY --from=vector /usr/lib/postgresql/15/lib/vector.so /usr/lib/postgresql/15/lib/
COPY --from=vector /usr/share/postgresql/15/extension/ /usr/share/postgresql/15/extension/

FROM postgres:latest AS legacy
ENV PG_MAJOR=11

FROM postgres AS confused
RUN apt-get install -y postgresql-14-postgis-3 postgresql-16-pgvector
