#!/bin/sh
chown -R app /data
exec gosu app "$@"
