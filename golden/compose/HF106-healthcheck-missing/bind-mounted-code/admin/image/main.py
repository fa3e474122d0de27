from fastapi import FastAPI

app = FastAPI()


@app.get("/healthz")
def health() -> str:
    return "ok"
