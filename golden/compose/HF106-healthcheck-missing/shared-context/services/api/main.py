from fastapi import FastAPI

from services.common.probes import router as probes

app = FastAPI()
app.include_router(probes, prefix="/ops")


@app.get("/items")
def items():
    return []
