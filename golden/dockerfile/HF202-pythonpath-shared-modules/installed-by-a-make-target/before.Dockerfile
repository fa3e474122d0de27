# django-oscar's image: `make install` runs the Makefile's recipe, `pip install -e .`,
# which installs the project: its package under `src/` is imported from the
# environment, wherever the process starts.
FROM python:3.12
COPY . /app
WORKDIR /app
RUN make install
WORKDIR /app/sandbox/
CMD ["python", "manage.py", "runserver"]
