FROM python:3.12-slim
# The app lives in /app; shared code sits next to it.
WORKDIR /app
ENV PYTHONPATH=/app${PYTHONPATH:+:$PYTHONPATH}
COPY services/common /app/services/common
COPY services/api /app/services/api
CMD ["python", "services/api/main.py"]
