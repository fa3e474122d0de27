from fastapi import FastAPI

from services.common.settings import settings

app = FastAPI(title="pmoves-api")


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok", "nats": settings.nats_url}
