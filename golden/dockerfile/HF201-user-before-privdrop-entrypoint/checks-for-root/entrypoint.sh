#!/bin/sh
set -e
# Started as root (`--user root`), fix the volume's owner and drop to app;
# started as app, as the image's USER says, just run the command.
if [ "$(id -u)" = 0 ]; then
    chown -R app /data
    exec gosu app "$@"
fi
exec "$@"
