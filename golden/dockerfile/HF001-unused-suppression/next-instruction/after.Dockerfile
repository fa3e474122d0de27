FROM python:3.12-slim
# hardenfix: ignore[HF204] the orchestrator probes this service
HEALTHCHECK --interval=5s \
  CMD curl http://localhost:8000/ || exit 1
RUN echo unused suppression above
ENV URL=http://upstream.example.com/
