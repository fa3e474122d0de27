from fastapi import FastAPI
from starlette.middleware.httpsredirect import HTTPSRedirectMiddleware

api = FastAPI()


@api.get("/healthz")
def healthz():
    return {"ok": True}


# the process serves `app`: every plain http request gets 307 to https
app = HTTPSRedirectMiddleware(api)
