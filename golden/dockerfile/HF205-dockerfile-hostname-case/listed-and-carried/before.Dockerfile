FROM python:3.12-slim
# Every redirect URI of a list is compared as text, not only the first.
ENV ADDITIONAL_REDIRECT_URLS=https://App.Example.com/cb,https://Admin.Example.com/cb
ENV OAUTH_REDIRECT_URIS="https://App.Example.com/cb https://Admin.Example.com/cb"
# An issuer set through another variable is compared as its new name says.
ARG AUTH_URL=https://Auth.Example.com
ENV KEYCLOAK_URL=${AUTH_URL}
ENV OIDC_ISSUER=${KEYCLOAK_URL}/realms/app
# Safe: nothing compares this one as text.
ENV API_URLS=http://Api.Internal:8000,http://Worker.Internal:8000
