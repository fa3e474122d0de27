FROM python:3.12-slim
WORKDIR /app
COPY services/common /app/services/common
COPY services/api /app/services/api
