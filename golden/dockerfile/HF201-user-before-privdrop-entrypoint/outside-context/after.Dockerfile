FROM python:3.12-slim
COPY ../entrypoint.sh /entrypoint.sh
USER app
ENTRYPOINT ["/entrypoint.sh"]
