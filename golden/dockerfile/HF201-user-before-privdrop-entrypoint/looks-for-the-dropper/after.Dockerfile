FROM python:3.12-slim
RUN apt-get update && apt-get install -y --no-install-recommends gosu \
    && pip install --no-cache-dir jupyterlab && useradd -m -u 1000 appuser
WORKDIR /home/appuser/work
COPY --chmod=755 entrypoint.sh /entrypoint.sh
USER appuser
ENTRYPOINT ["/entrypoint.sh"]
CMD ["jupyter", "lab", "--ip=0.0.0.0", "--no-browser"]
