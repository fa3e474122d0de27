from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.wrappers import Response

api = Flask(__name__)


@api.get("/health")
def health():
    return "ok"


# served below /api: /health answers 404
app = DispatcherMiddleware(Response("Not Found", status=404), {"/api": api})
