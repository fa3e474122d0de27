# The worker, run as a script, needs `/app` on the path; but there the maintenance script
# `redis.py` would hide the redis client that `celery[redis]` installs with Celery, which
# Celery's Redis transport then fails to use ('NoneType' object has no attribute 'Redis').
FROM python:3.12-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
CMD ["python", "services/worker/run.py"]
