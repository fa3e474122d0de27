# Only `fix-perms` drops privileges: jupyter, the default, runs through tini as the USER.
FROM python:3.12-slim
RUN apt-get update && apt-get install -y --no-install-recommends gosu tini \
    && pip install --no-cache-dir jupyterlab && useradd -m jovyan
COPY entrypoint.sh /entrypoint.sh
USER jovyan
ENTRYPOINT ["/entrypoint.sh"]
CMD ["jupyter", "lab", "--ip=0.0.0.0"]
