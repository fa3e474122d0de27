#!/bin/sh
set -e
# only the worker needs the shared volume fixed up
if [ "$1" = 'worker' ]; then
    chown -R app /data
    exec gosu app celery -A tasks worker
fi
exec "$@"
