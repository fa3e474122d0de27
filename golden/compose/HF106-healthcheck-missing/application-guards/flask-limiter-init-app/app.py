from flask import Flask

from extensions import limiter

app = Flask(__name__)
limiter.init_app(app)


@app.get("/healthz")
def health():
    return {"ok": True}


@app.get("/ping")
@limiter.exempt
def ping():
    return "pong"
