from fastapi import FastAPI
sub = FastAPI()
@sub.get("/healthz")
def healthz():
    return {"ok": True}
app = FastAPI()
app.mount("/internal", sub)
