from fastapi import APIRouter

router = APIRouter(prefix="/ops")


@router.get("/healthz")
async def healthz():
    return {"ok": True}


@router.get("/version")
async def version():
    return {"version": "1"}
