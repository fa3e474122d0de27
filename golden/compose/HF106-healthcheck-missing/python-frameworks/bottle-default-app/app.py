import os

from bottle import route, run


@route("/healthz")
def healthz():
    return "ok"


run(host="0.0.0.0", port=int(os.environ.get("PORT", "9090")))
