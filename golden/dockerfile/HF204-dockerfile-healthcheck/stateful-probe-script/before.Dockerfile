# The Keycloak probe of stateful-probe, moved into a script the image runs: a start period
# would run it 5 s after the start, before Keycloak listens, and the next run passes on the
# file the first one left. Unsafe.
FROM quay.io/keycloak/keycloak:26.2.0 AS keycloak
COPY --chmod=755 keycloak-health.sh /opt/keycloak/bin/
HEALTHCHECK CMD ["/opt/keycloak/bin/keycloak-health.sh"]

# A script that keeps no state: safe.
FROM python:3.12-slim AS app
WORKDIR /app
COPY probe.sh .
HEALTHCHECK CMD bash ./probe.sh || exit 1

# The probe is declared in `runtime` and inherited by `release`, which copies the script in:
# the image that runs probes with it. Unsafe.
FROM quay.io/keycloak/keycloak:26.2.0 AS runtime
HEALTHCHECK CMD /opt/keycloak/bin/keycloak-health.sh

FROM runtime AS release
COPY --chmod=755 keycloak-health.sh /opt/keycloak/bin/
