import hmac
import os

from flask import Flask, abort, request

app = Flask(__name__)


@app.get("/healthz")
def health():
    if not hmac.compare_digest(request.headers.get("X-Health-Token", ""), os.environ.get("HEALTH_TOKEN", "")):
        abort(401)
    return {"ok": True}
