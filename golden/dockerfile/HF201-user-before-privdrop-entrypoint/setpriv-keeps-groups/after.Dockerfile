# setpriv needs root to set the groups; switching to the user and group it already runs
# as (`USER app`) it needs none, so the image may work as it is.
FROM debian:bookworm-slim
RUN useradd -m app
COPY --chmod=755 entrypoint.sh /entrypoint.sh
USER app
ENTRYPOINT ["/entrypoint.sh"]
CMD ["sleep", "infinity"]
