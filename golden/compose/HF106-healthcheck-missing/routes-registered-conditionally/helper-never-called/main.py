from fastapi import FastAPI

app = FastAPI()


def add_health():
    @app.get("/healthz")
    def health():
        return {"ok": True}


@app.get("/items")
def items():
    return []
