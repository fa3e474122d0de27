FROM python:3.12-slim
# libpq and SQLAlchemy read user `Reporting` here, RFC 3986 parsers host `Reporting`:
# no spelling is safe to change.
ENV DATABASE_URL=postgresql+psycopg://Reporting:8/Jx3qL@db:5432/app
ENV PGURL "postgresql://Reporting:#Tr0ub4dor@DB:5432/app"
ARG PROFILE=https://Mastodon.Social/@Gargron
# One `@`, in the authority: every client reads the same host.
ENV ENCODED=postgresql://Reporting:8%2FJx3qL@db:5432/app \
    VARIABLES=postgresql://${DB_USER}:${DB_PASSWORD}@db:5432/app
ARG MIRROR=https://mirror.example.com/pypi
CMD ["python3", "-c", "print(1)"]
