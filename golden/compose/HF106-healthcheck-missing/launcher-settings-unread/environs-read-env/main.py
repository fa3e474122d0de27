import os

import uvicorn
from environs import Env
from fastapi import FastAPI

env = Env()
env.read_env()  # loads .env into os.environ

app = FastAPI()


@app.get("/health")
def health():
    return {"status": "ok"}


if __name__ == "__main__":
    uvicorn.run(app, host="0.0.0.0", port=int(os.environ.get("PORT", "8000")))
