# cal.com builds with a placeholder URL, then a script swaps it, by its exact text, for the
# real one (scripts/replace-placeholder.sh: sed -i "s|$FROM|$TO|g"): it is no host.
FROM node:18-slim
ENV NEXT_PUBLIC_WEBAPP_URL=http://NEXT_PUBLIC_WEBAPP_URL_PLACEHOLDER \
    API_ORIGIN=http://cal.example.com/api
RUN yarn build && scripts/replace-placeholder.sh http://NEXT_PUBLIC_WEBAPP_URL_PLACEHOLDER "${NEXT_PUBLIC_WEBAPP_URL}"
CMD ["yarn", "start"]
