# The base stage installs the project; the stage built from it copies the package's
# source again into the app tree, where it would hide the installed copy.
FROM python:3.12-slim AS base
WORKDIR /build
COPY . .
RUN pip install --no-cache-dir .

FROM base
WORKDIR /app
COPY shop/core/ ./shop/core/
CMD ["shop"]
