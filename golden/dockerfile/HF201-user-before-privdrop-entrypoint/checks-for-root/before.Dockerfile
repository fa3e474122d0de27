FROM python:3.12-slim
RUN useradd --create-home app
COPY entrypoint.sh /usr/local/bin/entrypoint.sh
USER app
ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]
CMD ["python", "-m", "http.server"]
