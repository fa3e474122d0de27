from flask import Flask

app = Flask(__name__)
app.config.from_prefixed_env()


@app.get("/health")
def health():
    return "ok"
