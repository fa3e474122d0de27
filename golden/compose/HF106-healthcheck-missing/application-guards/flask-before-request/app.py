from flask import Flask, request, abort
app = Flask(__name__)

@app.before_request
def require_token():
    if request.headers.get("X-Token") != "s":
        abort(401)

@app.get("/healthz")
def healthz():
    return {"ok": True}
