FROM python:3.12-slim
ARG MONGO_URL=mongodb://${MONGO_USER:-app}@mongo-a:27017,mongo-b:27017/app
ENV API_URL=${API_URL:-http://api.internal:8000} \
    CACHE_URL="redis://${CACHE_HOST:-cache.local}:6379/0"
ENV ORIGINS=https://app.example.com,https://admin.example.com
