# escape=`
FROM mcr.microsoft.com/windows/servercore:ltsc2022
ENV API_URL=http://Api.Example:8080 `
    DATA_DIR=C:\ProgramData\App `
    FALLBACK="http://${FALLBACK_HOST:-Fallback.Example}/x"
ARG LITERAL=http://`$Literal.Example/
