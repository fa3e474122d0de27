#!/bin/sh
set -e
# Volumes are mounted root-owned: hand /data to the service user, then drop to it.
chown -R app:app /data
exec gosu app "$@"
