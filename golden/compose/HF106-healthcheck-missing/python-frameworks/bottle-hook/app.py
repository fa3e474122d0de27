from bottle import Bottle, abort, request

app = Bottle()


@app.hook("before_request")
def require_token():
    if request.headers.get("X-Token") != "secret":
        abort(401)


@app.get("/health")
def health():
    return "ok"


app.run(host="0.0.0.0", port=8080)
