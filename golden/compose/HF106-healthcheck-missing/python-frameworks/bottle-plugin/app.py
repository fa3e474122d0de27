import bottle
from bottle import abort, request


def require_token(callback):
    def wrapper(*args, **kwargs):
        if request.headers.get("X-Token") != "secret":
            abort(401)
        return callback(*args, **kwargs)

    return wrapper


bottle.install(require_token)


@bottle.get("/health")
def health():
    return "ok"


bottle.run(host="0.0.0.0", port=8080)
