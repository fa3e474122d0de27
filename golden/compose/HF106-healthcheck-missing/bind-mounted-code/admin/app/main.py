from fastapi import FastAPI

app = FastAPI()


@app.get("/ready")
def ready() -> str:
    return "ok"
