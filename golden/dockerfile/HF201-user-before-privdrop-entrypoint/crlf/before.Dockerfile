FROM python:3.12-slim
RUN apt-get update && apt-get install -y --no-install-recommends gosu
COPY entrypoint.sh /entrypoint.sh
# Runs as app.
USER app
ENTRYPOINT ["/entrypoint.sh"]
