# BuildKit creates a WORKDIR owned by the current USER: without `USER app` the
# folder would be root's, and the app, dropped to `app` by gosu, could not write it.
FROM python:3.12-slim
RUN apt-get update && apt-get install -y --no-install-recommends gosu \
 && rm -rf /var/lib/apt/lists/* && useradd -m app
COPY entrypoint.sh /entrypoint.sh
COPY app.py /srv/app.py
USER app
WORKDIR /srv/state
ENTRYPOINT ["/entrypoint.sh"]
CMD ["python", "/srv/app.py"]
