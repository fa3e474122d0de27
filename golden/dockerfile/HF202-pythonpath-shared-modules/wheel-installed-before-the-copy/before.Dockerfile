# The project is installed from the wheel the builder made; its source tree, copied
# after, lacks the `_version.py` the build generated.
FROM python:3.12-slim AS builder
WORKDIR /src
COPY . .
RUN pip wheel --no-deps --wheel-dir /wheels .

FROM python:3.12-slim
WORKDIR /app
COPY --from=builder /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
COPY . .
CMD ["mypkg-server"]
