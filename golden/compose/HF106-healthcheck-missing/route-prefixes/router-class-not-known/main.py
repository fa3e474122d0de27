from fastapi import FastAPI

from routing import AppRouter

router = AppRouter(prefix="/api/v1")


@router.get("/health")
def health() -> dict:
    return {"status": "ok"}


app = FastAPI()
app.include_router(router)
