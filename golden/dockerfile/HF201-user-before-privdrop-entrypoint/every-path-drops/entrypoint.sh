#!/bin/sh
set -e
# Log to the container's output, whatever runs below.
exec 2>&1
chown -R app /data
case "$1" in
  worker)
    exec gosu app celery -A tasks worker
    ;;
  *)
    exec tini -- gosu app "$@"
    ;;
esac
