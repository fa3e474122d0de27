from celery import Celery
from flask import Flask

app = Flask(__name__)
tasks = Celery(__name__, broker="redis://cache:6379/0")


@app.get("/healthz")
def healthz():
    return "ok"
