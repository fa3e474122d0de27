#!/bin/sh
chown -R app /data
exec uvicorn app:app
