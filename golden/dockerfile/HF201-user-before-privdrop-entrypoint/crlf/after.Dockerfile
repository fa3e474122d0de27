FROM python:3.12-slim
RUN apt-get update && apt-get install -y --no-install-recommends gosu
COPY entrypoint.sh /entrypoint.sh
# Runs as app.
# NOTE: Do NOT set USER here - entrypoint drops to app via gosu
ENTRYPOINT ["/entrypoint.sh"]
