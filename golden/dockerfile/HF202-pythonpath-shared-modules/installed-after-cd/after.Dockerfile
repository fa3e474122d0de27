# feast's serving image: the project is installed from the folder a cd moves to, so its package
# is imported from site-packages, wherever the process starts.
FROM python:3.11
WORKDIR /app
COPY sdk/python /mnt/proj/sdk/python
COPY pyproject.toml /mnt/proj/pyproject.toml
RUN cd /mnt/proj && pip install .
COPY svc/ .
CMD ["python", "main.py"]
