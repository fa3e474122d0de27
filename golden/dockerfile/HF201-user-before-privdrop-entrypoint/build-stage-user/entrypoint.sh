#!/bin/sh
chown -R nginx /var/cache/nginx
