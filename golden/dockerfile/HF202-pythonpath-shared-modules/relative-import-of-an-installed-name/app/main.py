import redis
from fastapi import FastAPI

from .redis import POOL

app = FastAPI()
client = redis.Redis(connection_pool=POOL)
