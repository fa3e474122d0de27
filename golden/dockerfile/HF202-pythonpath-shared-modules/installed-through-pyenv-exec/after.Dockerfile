# celery's development image: pyenv provides the interpreters, and `pyenv exec` runs the
# pip of one of them, which installs the project: its package is imported from the
# environment, wherever the process starts.
FROM python:3.12-slim
ENV HOME=/home/developer
WORKDIR $HOME
COPY . $HOME/proj
RUN pyenv exec python3.12 -m pip install --no-deps -e $HOME/proj
CMD ["python", "/home/developer/proj/tools/run.py"]
