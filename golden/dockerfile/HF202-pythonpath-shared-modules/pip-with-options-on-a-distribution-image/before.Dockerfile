# A stage built from a distribution's image runs Python when it installs with pip, also
# with pip's general options before its command (`pip3 --no-cache-dir install`).
FROM ubuntu:24.04
RUN apt-get update && apt-get install -y --no-install-recommends python3-pip
RUN pip3 --no-cache-dir install --break-system-packages requests==2.32.3
WORKDIR /app
COPY services/common /app/services/common
COPY services/api /app/services/api
CMD ["python3", "services/api/main.py"]
