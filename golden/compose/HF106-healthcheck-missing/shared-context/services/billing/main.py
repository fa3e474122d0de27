import importlib
import os

from fastapi import FastAPI

app = FastAPI()


@app.get("/healthz")
def healthz():
    return {"ok": True}


for plugin in os.environ.get("BILLING_PLUGINS", "auth").split(","):
    importlib.import_module(f"services.billing.plugins.{plugin}")
