FROM alpine:3.20
RUN apk add --no-cache tini su-exec
COPY scripts/ /opt/scripts/
USER 65532:65532
ENTRYPOINT tini -- /opt/scripts/entrypoint.sh
