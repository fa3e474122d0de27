FROM alpine:3.20
ARG ARTIFACTS=s3://Build-Artifacts/Releases
ENV LITERAL='http://$Host/' \
    NAME_ONLY=http://${API_HOST}:8080/Path \
    SHORT=https://$UPSTREAM/X \
    IPV6=http://[FE80::1]:80/ \
    LOWER=http://api.internal/Upper
ENV BROKEN=http://${}Host/
LABEL org.opencontainers.image.source=https://GitHub.com/Example/Repo
RUN curl -fsS https://Downloads.Example.COM/tool.tgz
