FROM python:3.11-alpine AS runtime
WORKDIR /srv
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
WORKDIR /srv/app
COPY common/ ./services/common/
COPY worker/ ./worker/
CMD ["python", "worker/tasks.py"]
