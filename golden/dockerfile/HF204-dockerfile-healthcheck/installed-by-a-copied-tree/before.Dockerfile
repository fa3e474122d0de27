# Synapse's layout: curl is unpacked in another stage and its /usr copied over the image's.
FROM python:3.13-slim AS runtime-deps
RUN apt-get update && mkdir -p /install/usr && cd /tmp && apt-get download curl libcurl4 \
    && for deb in *.deb; do dpkg --extract "$deb" /install; done

FROM python:3.13-slim
COPY --from=runtime-deps /install/usr /usr
EXPOSE 8008
HEALTHCHECK --start-period=5s --interval=15s --timeout=5s --retries=3 \
  CMD curl -fSs http://localhost:8008/health || exit 1
