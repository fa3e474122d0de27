# prefect: the builder only makes an sdist, which the final stage mounts and installs; no
# container runs the builder.
FROM python:3.12-slim AS builder
WORKDIR /opt/myapp
COPY . ./
RUN mkdir dist && tar czf dist/myapp.tar.gz src

FROM python:3.12-slim AS final
RUN --mount=type=bind,from=builder,source=/opt/myapp/dist,target=/dist pip install /dist/myapp.tar.gz
CMD ["python", "-m", "myapp.server"]

