# The web service, the default, runs as the USER; only the worker drops privileges.
FROM python:3.12-slim
RUN apt-get update && apt-get install -y gosu && useradd app
COPY entrypoint.sh /entrypoint.sh
USER app
ENTRYPOINT ["/entrypoint.sh"]
CMD ["web"]
