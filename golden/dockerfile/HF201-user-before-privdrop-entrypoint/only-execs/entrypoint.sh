#!/bin/sh
set -e
# chmod and chown are not needed: the image is built with the right owners.
exec uvicorn app:app --host 0.0.0.0 "$@"
