#!/usr/bin/env bash
set -euo pipefail
# Ensure the work folder is owned by appuser (bind mounts)
chown -R appuser:appuser /home/appuser/work 2>/dev/null || true
# Drop privileges when gosu is available
if command -v gosu >/dev/null 2>&1; then
  exec gosu appuser "$@"
else
  echo "[entrypoint] gosu not found; running as $(whoami)"
  exec "$@"
fi
