ARG REGISTRY_URL=https://Registry.Example.COM/v2/
FROM python:3.12-slim
ARG API_BASE="http://API.internal:8080/Path/Stays?Q=Upper"
ENV SUPABASE_URL=http://supabase_kong_PMOVES.AI:8000 \
    # The broker is addressed by its service name.
    NATS_URL=nats://user:PassWord@NATS:4222 \
    STATUS_URL=http://${SERVICE_HOST}.Example.org/cb
ENV LEGACY_URL http://Legacy.Example.com/X
RUN curl -f http://Not.An.Env.Value/
LABEL homepage=https://GitHub.com/example
ENV lower=http://already.lower.case/
