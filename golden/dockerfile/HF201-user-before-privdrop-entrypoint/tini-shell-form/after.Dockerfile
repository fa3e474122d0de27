FROM alpine:3.20
RUN apk add --no-cache tini su-exec
COPY scripts/ /opt/scripts/
# NOTE: Do NOT set USER here - entrypoint drops to 65532:65532 via su-exec
ENTRYPOINT tini -- /opt/scripts/entrypoint.sh
