from fastapi import FastAPI

app = FastAPI()


@app.get("/livez")
def live() -> dict[str, str]:
    return {"status": "ok"}
