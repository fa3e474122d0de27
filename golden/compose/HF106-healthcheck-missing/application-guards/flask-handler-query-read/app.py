from flask import Flask, request

app = Flask(__name__)


@app.get("/healthz")
def health():
    verbose = request.args["verbose"] == "1"
    return {"ok": True, "verbose": verbose}
