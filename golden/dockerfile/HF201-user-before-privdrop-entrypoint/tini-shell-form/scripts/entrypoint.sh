#!/bin/sh
chown -R 65532:65532 /var/lib/app
exec su-exec 65532:65532 /usr/local/bin/app
