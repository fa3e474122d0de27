from fastapi import APIRouter

debug = APIRouter()


@debug.get("/healthz")
def healthz():
    return {}
