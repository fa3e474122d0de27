# escape=`
FROM python:3.12-slim
COPY entrypoint.sh `
     /entrypoint.sh
# NOTE: Do NOT set USER here - entrypoint drops to app via su
ENTRYPOINT ["/bin/sh", "-c", "exec /entrypoint.sh \"$@\"", "--"]
