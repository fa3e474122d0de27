FROM debian:bookworm-slim
COPY entrypoint.sh /
VOLUME ["/var/lib/worker"]
# NOTE: Do NOT set USER here - entrypoint drops to worker via setpriv
ENTRYPOINT ["/bin/sh", "/entrypoint.sh"]
