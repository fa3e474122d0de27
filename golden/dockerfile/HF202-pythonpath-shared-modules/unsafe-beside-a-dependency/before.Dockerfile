# The worker, run as a script, needs `/app` on the path; but there `calendar/` would hide
# the standard library's `calendar`, and `celery.py` the installed Celery.
FROM python:3.12-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
CMD ["python", "services/worker/run.py"]
