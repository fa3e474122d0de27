FROM python:3.12-slim
ENV OAUTH_REDIRECT_URI=https://App.Example.com/cb API_URL=http://Api.Internal/
ENV OIDC_ISSUER https://Auth.Example.com/realms/x
