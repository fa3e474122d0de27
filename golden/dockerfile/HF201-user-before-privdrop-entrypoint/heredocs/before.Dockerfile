# syntax=docker/dockerfile:1
FROM python:3.12-slim
RUN <<EOF
useradd --system app
echo "USER app is created" > /etc/motd
EOF
COPY <<-EOF /entrypoint.sh
	#!/bin/sh
	chown -R app /data
	exec runuser -u app -- "$@"
	EOF
RUN chmod +x /entrypoint.sh
user app
ENTRYPOINT ["/entrypoint.sh"]
