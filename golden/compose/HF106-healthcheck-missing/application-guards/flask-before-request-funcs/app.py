from flask import Flask, abort, request

app = Flask(__name__)


def require_api_key():
    if request.headers.get("X-Api-Key") != "expected":
        abort(401)


app.before_request_funcs.setdefault(None, []).append(require_api_key)


@app.get("/healthz")
def health():
    return {"ok": True}
