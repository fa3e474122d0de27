FROM python:3.12-slim
ARG MONGO_URL=mongodb://${MONGO_USER:-app}@Mongo-A:27017,Mongo-B:27017/app
ENV API_URL=${API_URL:-http://Api.Internal:8000} \
    CACHE_URL="redis://${CACHE_HOST:-Cache.Local}:6379/0"
ENV ORIGINS=https://App.Example.COM,https://admin.example.com
