import os

from fastapi import FastAPI
import uvicorn

app = FastAPI()


@app.get("/healthz")
def healthz():
    return {}


if __name__ == "__main__":
    uvicorn.run(app, host="0.0.0.0", port=int(os.environ["PORT"]))
