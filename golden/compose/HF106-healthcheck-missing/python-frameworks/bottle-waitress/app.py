from bottle import Bottle

app = Bottle()


@app.route("/health")
def health():
    return {"status": "ok"}


@app.route("/ping", method="POST")
def ping():
    return "pong"


if __name__ == "__main__":
    app.run(server="waitress", host="0.0.0.0", port=8080)
