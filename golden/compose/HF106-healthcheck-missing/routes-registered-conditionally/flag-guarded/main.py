import os

from fastapi import FastAPI

app = FastAPI()

if os.getenv("ENABLE_HEALTH") == "1":

    @app.get("/healthz")
    def health():
        return {"ok": True}


@app.get("/items")
def items():
    return []
