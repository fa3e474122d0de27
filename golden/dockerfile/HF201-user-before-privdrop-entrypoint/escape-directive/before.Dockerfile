# escape=`
FROM python:3.12-slim
COPY entrypoint.sh `
     /entrypoint.sh
USER app
ENTRYPOINT ["/bin/sh", "-c", "exec /entrypoint.sh \"$@\"", "--"]
