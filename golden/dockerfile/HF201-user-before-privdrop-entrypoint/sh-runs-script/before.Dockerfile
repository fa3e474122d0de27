FROM debian:bookworm-slim
COPY entrypoint.sh /
VOLUME ["/var/lib/worker"]
USER worker
ENTRYPOINT ["/bin/sh", "/entrypoint.sh"]
