from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse


async def force_https(request: Request, call_next):
    if request.headers.get("x-forwarded-proto", "http") != "https":
        return RedirectResponse(str(request.url.replace(scheme="https")), status_code=301)
    return await call_next(request)


app = FastAPI()
app.middleware("http")(force_https)


@app.get("/health")
def health() -> dict:
    return {"status": "ok"}
