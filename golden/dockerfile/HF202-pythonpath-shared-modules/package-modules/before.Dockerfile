# app/views/listing.py imports the package `api` beside `app`; it is a module of the
# package `app`, imported by its dotted name from the folder where the process starts,
# which puts that folder on sys.path: it finds `api` as it finds itself.
FROM python:3.12-slim
WORKDIR /srv
COPY . .
CMD ["python", "-m", "app.main"]
