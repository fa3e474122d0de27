FROM python:3.12-slim
# The app lives in /app; shared code sits next to it.
WORKDIR /app
ENV PYTHONPATH=/app${PYTHONPATH:+:$PYTHONPATH}
# A source written from the context's root is still the context's `requirements.txt`.
COPY /requirements.txt /tmp/requirements.txt
RUN pip install -r /tmp/requirements.txt
COPY /services/common /app/services/common
COPY services/api /app/services/api
CMD ["python", "services/api/main.py"]
