from fastapi import FastAPI


def create_app() -> FastAPI:
    api = FastAPI()

    @api.get("/healthz")
    def health():
        return {"ok": True}

    return api


app = create_app()
