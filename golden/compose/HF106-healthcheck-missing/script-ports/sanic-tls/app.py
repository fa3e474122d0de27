from sanic import Sanic
from sanic.response import text

app = Sanic("api")

@app.get("/health")
async def health(request):
    return text("ok")

if __name__ == "__main__":
    app.run(host="0.0.0.0", ssl="/certs")
