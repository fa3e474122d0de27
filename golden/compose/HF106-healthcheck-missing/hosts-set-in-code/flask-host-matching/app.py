from flask import Flask

app = Flask(__name__, host_matching=True, static_host="static.example.com")


@app.get("/health")
def health():
    return "ok"
