from quart import Quart

app = Quart(__name__)


@app.get("/healthz")
async def healthz():
    return {"status": "ok"}
