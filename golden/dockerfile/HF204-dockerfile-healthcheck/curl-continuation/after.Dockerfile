# escape=`
FROM nginx:1.27
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD curl -f `
    http://localhost/ && curl -sS --fail-with-body `
    http://localhost/status
