FROM python:3.12
HEALTHCHECK CMD curl http://localhost:8000/