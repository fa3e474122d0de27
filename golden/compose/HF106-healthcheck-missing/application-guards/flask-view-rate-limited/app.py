from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

app = Flask(__name__)
limiter = Limiter(get_remote_address, app=app)


@app.get("/healthz")
@limiter.limit("1/minute")
def health():
    return {"ok": True}
