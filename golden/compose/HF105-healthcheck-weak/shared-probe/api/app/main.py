from fastapi import FastAPI

app = FastAPI()


@app.get("/readyz")
async def readyz() -> dict[str, bool]:
    return {"ready": True}
