# `setpriv --no-new-privs` runs the command as the user it runs as: it drops nothing, so
# without `USER` the service would run as root.
FROM debian:bookworm-slim
RUN useradd -m app
COPY --chmod=755 entrypoint.sh /entrypoint.sh
USER app
ENTRYPOINT ["/entrypoint.sh"]
CMD ["sleep", "infinity"]
