FROM node:20-alpine AS frontend
WORKDIR /app
COPY services/common /app/services/common
RUN echo "not a Python stage"

FROM python:3.12-slim AS final
WORKDIR /app
ENV PYTHONPATH=/app${PYTHONPATH:+:$PYTHONPATH}
COPY --from=frontend /app/services/common /app/services/common
COPY services/ /app/services/
