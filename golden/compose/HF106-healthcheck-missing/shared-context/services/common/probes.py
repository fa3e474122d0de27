from fastapi import APIRouter

router = APIRouter()


@router.get("/readyz")
def ready():
    return {"ok": True}
