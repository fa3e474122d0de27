# The builder installs under a prefix of its own, which the runtime stage copies to /usr/local.
FROM python:3.12 AS builder
WORKDIR /build
COPY . .
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.12-slim
COPY --from=builder /install /usr/local
WORKDIR /app
COPY shop/core/ ./shop/core/
CMD ["shop"]
