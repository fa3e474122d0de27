from fastapi import FastAPI

from app import utils

app = FastAPI()
app.include_router(utils.router, prefix="/api/v1")
