#!/bin/sh
set -e
# Only the one-off "fix-perms" command needs root; everything else runs as is.
if [ "$1" = "fix-perms" ]; then
  chown -R jovyan /home/jovyan/work
  exec gosu jovyan jupyter lab --ip=0.0.0.0
fi
exec tini -- "$@"
