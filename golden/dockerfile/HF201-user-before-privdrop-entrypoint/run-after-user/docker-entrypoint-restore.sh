#!/bin/sh
set -e
chown -R postgres /var/lib/postgresql/data
exec gosu postgres "$@"
