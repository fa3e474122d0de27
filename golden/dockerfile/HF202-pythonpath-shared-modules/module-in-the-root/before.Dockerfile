# main.py imports the package beside it, and the process starts where both are:
# run as a script or imported as `main`, it finds `api` as it finds itself.
FROM python:3.12-slim
WORKDIR /app
COPY . .
CMD ["python", "/app/main.py"]
