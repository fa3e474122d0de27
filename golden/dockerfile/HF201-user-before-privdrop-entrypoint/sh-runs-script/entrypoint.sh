#!/bin/sh
chmod 0770 /var/lib/worker
exec setpriv --reuid=worker --regid=worker --init-groups -- worker-daemon
