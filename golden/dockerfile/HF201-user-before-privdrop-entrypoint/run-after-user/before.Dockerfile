# A RUN after USER runs as that user: initdb refuses to run as root.
FROM postgres:16.6
COPY docker-entrypoint-restore.sh /usr/local/bin/
USER postgres
RUN initdb -D /var/lib/postgresql/template
ENTRYPOINT ["docker-entrypoint-restore.sh"]
CMD ["postgres"]
