#!/bin/sh
set -e
chown -R app /data
exec setpriv --no-new-privs "$@"
