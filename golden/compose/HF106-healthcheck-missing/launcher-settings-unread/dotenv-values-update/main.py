import os

import uvicorn
from dotenv import dotenv_values
from fastapi import FastAPI

os.environ.update(dotenv_values(".env"))

app = FastAPI()


@app.get("/health")
def health():
    return {"status": "ok"}


if __name__ == "__main__":
    uvicorn.run(app, host="0.0.0.0", port=int(os.getenv("PORT", "8000")))
