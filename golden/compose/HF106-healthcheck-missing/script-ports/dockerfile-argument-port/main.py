from fastapi import Depends, FastAPI, Header, HTTPException

def verify(x_token: str = Header()):
    if x_token != "secret":
        raise HTTPException(401)

app = FastAPI()

@app.get("/health")
def health():
    return {"ok": True}
