FROM python:3.12-slim
ENV PYTHONPATH=/opt/service${PYTHONPATH:+:$PYTHONPATH}
COPY shared /opt/service/shared
COPY app /opt/service/app
CMD ["python", "/opt/service/app/run.py"]
