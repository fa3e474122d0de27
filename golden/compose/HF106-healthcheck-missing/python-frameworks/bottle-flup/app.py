from bottle import Bottle

app = Bottle()


@app.get("/health")
def health():
    return "ok"


app.run(server="flup", host="0.0.0.0", port=8080)  # FastCGI, not HTTP
