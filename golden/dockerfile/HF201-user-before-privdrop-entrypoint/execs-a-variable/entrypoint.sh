#!/bin/sh
set -e
if [ "$1" = "worker" ]; then
  chown -R app /data
  exec gosu app "$@"
fi
exec $CMD
