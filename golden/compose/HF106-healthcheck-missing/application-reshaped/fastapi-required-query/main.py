from fastapi import FastAPI, Header

app = FastAPI()


@app.get("/health")
def health(x_probe_key: str = Header()):
    return {"ok": True}
