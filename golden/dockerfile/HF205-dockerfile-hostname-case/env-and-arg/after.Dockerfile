ARG REGISTRY_URL=https://registry.example.com/v2/
FROM python:3.12-slim
ARG API_BASE="http://api.internal:8080/Path/Stays?Q=Upper"
ENV SUPABASE_URL=http://supabase_kong_pmoves.ai:8000 \
    # The broker is addressed by its service name.
    NATS_URL=nats://user:PassWord@nats:4222 \
    STATUS_URL=http://${SERVICE_HOST}.example.org/cb
ENV LEGACY_URL http://legacy.example.com/X
RUN curl -f http://Not.An.Env.Value/
LABEL homepage=https://GitHub.com/example
ENV lower=http://already.lower.case/
