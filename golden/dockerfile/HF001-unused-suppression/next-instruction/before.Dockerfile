FROM python:3.12-slim
# hardenfix: ignore[HF204] the orchestrator probes this service
HEALTHCHECK --interval=5s \
  CMD curl http://localhost:8000/ || exit 1
# hardenfix: ignore[HF203]
RUN echo unused suppression above
ENV URL=http://Upstream.Example.com/
