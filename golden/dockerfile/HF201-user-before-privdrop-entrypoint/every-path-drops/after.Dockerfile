# Each command the entrypoint runs goes through gosu; `exec 2>&1` runs none.
FROM python:3.12-slim
RUN apt-get update && apt-get install -y --no-install-recommends gosu tini \
    && pip install --no-cache-dir celery gunicorn && useradd app
COPY entrypoint.sh /entrypoint.sh
# NOTE: Do NOT set USER here - entrypoint drops to app via gosu
ENTRYPOINT ["/entrypoint.sh"]
CMD ["gunicorn", "app:app"]
