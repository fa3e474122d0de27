# A monorepo's service installs its shared library through its requirements files:
# `requirements/prod.txt` includes `base.txt` (relative to the file), which lists
# `-e ./libs/common` (relative to where pip runs, /app). `common` is imported from the
# environment, wherever the process starts: no `PYTHONPATH` is needed.
FROM python:3.12-slim
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir -r requirements/prod.txt
CMD ["python", "services/api/main.py"]
