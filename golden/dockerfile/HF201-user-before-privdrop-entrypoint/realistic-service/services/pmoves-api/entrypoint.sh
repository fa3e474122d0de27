#!/bin/sh
set -eu

# /data is a named volume: Docker creates it root-owned on first use.
chown -R pmoves:pmoves /data

exec su -s /bin/sh pmoves -c "exec uvicorn main:app --host 0.0.0.0 --port 8080"
