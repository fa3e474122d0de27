#!/bin/sh
chown app /data && exec su app -c "$*"
