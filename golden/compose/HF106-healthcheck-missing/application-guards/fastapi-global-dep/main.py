from fastapi import FastAPI, Depends, Header, HTTPException
def auth(x_token: str = Header()):
    if x_token != "s": raise HTTPException(401)
app = FastAPI(dependencies=[Depends(auth)])
@app.get("/healthz")
def healthz():
    return {"ok": True}
