# apk in a Debian image: no pin can keep this build working
FROM postgres:latest AS extensions
RUN apk add --no-cache postgresql-contrib

# Ubuntu-based, and the build uses apt: the pin keeps it
FROM ollama/ollama AS models
RUN apt-get update && apt-get install -y --no-install-recommends curl

# a later stage built from this one installs with apk
FROM nats AS bus
FROM bus
RUN apk add --no-cache jq
