#!/bin/sh
set -e
exec setpriv --reuid=app --regid=app --keep-groups "$@"
