# A worker runs the image this stack builds, by its name, past the entrypoint.
FROM python:3.12-slim AS build
RUN pip wheel --wheel-dir /wheels uvicorn

FROM python:3.12-slim
RUN apt-get update && apt-get install -y --no-install-recommends gosu \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /wheels /wheels
RUN pip install /wheels/*.whl && useradd --create-home app
COPY --chown=root:root --chmod=0755 docker/entrypoint.sh /usr/local/bin/entrypoint.sh
VOLUME /data
# The service never needs root once it is running.
USER app:app
ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]
CMD ["uvicorn", "app:app", "--host", "0.0.0.0"]
