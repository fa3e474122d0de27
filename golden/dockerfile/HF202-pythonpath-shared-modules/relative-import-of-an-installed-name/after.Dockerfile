# DefectDojo: `import redis` in the package `app` is the installed client; the package's own
# `app/redis` is imported relatively. `/srv/app` on the path would make `import redis` find it.
FROM python:3.12-slim
RUN pip install uvicorn fastapi redis
WORKDIR /srv
COPY app /srv/app
CMD ["uvicorn", "app.main:app"]
