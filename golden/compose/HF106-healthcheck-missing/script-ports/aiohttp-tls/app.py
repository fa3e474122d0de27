import ssl
from aiohttp import web

async def health(request):
    return web.Response(text="ok")

app = web.Application()
app.router.add_get("/health", health)

if __name__ == "__main__":
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain("/certs/cert.pem", "/certs/key.pem")
    web.run_app(app, ssl_context=context)
