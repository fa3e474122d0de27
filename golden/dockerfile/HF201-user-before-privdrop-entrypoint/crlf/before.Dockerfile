FROM python:3.12-slim
COPY entrypoint.sh /entrypoint.sh
# Runs as app.
USER app
ENTRYPOINT ["/entrypoint.sh"]
