FROM python:3.12-slim
RUN apt-get update && apt-get install -y --no-install-recommends gosu && rm -rf /var/lib/apt/lists/* \
 && pip install --no-cache-dir jupyterlab celery && useradd -m app
COPY --chmod=755 entrypoint.sh /entrypoint.sh
USER app
ENTRYPOINT ["/entrypoint.sh"]
CMD ["jupyter", "lab", "--ip=0.0.0.0", "--no-browser"]
