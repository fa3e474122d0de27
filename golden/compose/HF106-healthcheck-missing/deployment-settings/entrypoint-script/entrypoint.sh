#!/bin/sh
export GUNICORN_CMD_ARGS="--bind=0.0.0.0:${PORT:-8080} --workers=2"
exec "$@"
