# moto's image: pip's general options come before its command (`pip3 --no-cache-dir
# install`), and the install is an install all the same: the project's package is
# imported from the environment, wherever the process starts.
FROM python:3.13-alpine

ADD . /proj/
WORKDIR /proj/
RUN pip3 --no-cache-dir install --upgrade pip setuptools && \
    pip3 --no-cache-dir --timeout 60 install ".[server]"

ENTRYPOINT ["/usr/local/bin/mypkg_server", "-H", "0.0.0.0"]
