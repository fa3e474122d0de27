from functools import wraps

from flask import Flask, abort, request

app = Flask(__name__)


def require_key(view):
    @wraps(view)
    def checked(*args, **kwargs):
        if request.headers.get("X-Key") != "k":
            abort(401)
        return view(*args, **kwargs)

    return checked


@app.get("/healthz")
@require_key
def health():
    return {"ok": True}
