from fastapi import FastAPI

from app import utils
from app.config import settings

app = FastAPI()
app.include_router(utils.router, prefix=settings.API_V1_STR)
