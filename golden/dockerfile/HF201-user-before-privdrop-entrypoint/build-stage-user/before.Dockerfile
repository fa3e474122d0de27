FROM node:20-alpine AS assets
USER node
RUN npm ci && npm run build

FROM nginx:1.27-alpine
COPY --from=assets /home/node/dist /usr/share/nginx/html
COPY entrypoint.sh /docker-entrypoint.d/40-chown.sh
ENTRYPOINT ["/docker-entrypoint.sh"]
