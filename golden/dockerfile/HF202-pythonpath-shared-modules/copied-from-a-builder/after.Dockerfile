# The builder compiles the code; the runtime stage copies it in.
FROM python:3.12-slim AS builder
WORKDIR /app
COPY services/ services/
RUN python -m compileall -q services

FROM python:3.12-slim
WORKDIR /app
ENV PYTHONPATH=/app${PYTHONPATH:+:$PYTHONPATH}
COPY --from=builder /app/services /app/services
CMD ["python", "services/worker/run.py"]
