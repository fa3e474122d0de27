FROM python:3.12-slim AS backend
COPY . /srv
WORKDIR /srv
CMD ["python", "-m", "webapp"]

FROM backend AS prod
# install the package with its built UI, then drop the source copy of the UI
RUN pip install --no-cache-dir /srv && rm -r /srv/src/webapp/static
