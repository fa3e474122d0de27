from sanic import Sanic
from sanic.response import json

app = Sanic("inventory")


@app.get("/health", version=1)
async def health(request):
    return json({"status": "ok"})


@app.get("/items", version=1)
async def items(request):
    return json([])


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=8000, single_process=True)
