from flask import Flask
from flask_wtf.csrf import CSRFProtect

from extensions import limiter

app = Flask(__name__)
csrf = CSRFProtect(app)
limiter.init_app(app)


@app.get("/healthz")
def health():
    return {"ok": True}


@app.get("/ping")
@csrf.exempt
@limiter.exempt
def ping():
    return "pong"
