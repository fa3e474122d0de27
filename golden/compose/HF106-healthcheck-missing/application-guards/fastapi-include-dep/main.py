from fastapi import FastAPI, APIRouter, Depends, Header, HTTPException
def auth(x_token: str = Header()):
    if x_token != "s": raise HTTPException(401)
router = APIRouter()
@router.get("/healthz")
def healthz():
    return {"ok": True}
app = FastAPI()
app.include_router(router, dependencies=[Depends(auth)])
