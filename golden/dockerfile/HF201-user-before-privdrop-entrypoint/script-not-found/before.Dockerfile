FROM postgres:16
COPY initdb/ /docker-entrypoint-initdb.d/
USER postgres
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["postgres"]
