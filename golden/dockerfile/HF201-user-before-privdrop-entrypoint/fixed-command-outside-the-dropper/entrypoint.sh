#!/bin/sh
set -e
if [ "$1" = "worker" ]; then
  chown -R app /data
  exec gosu app celery -A proj worker
fi
exec gunicorn app:app
