from aiohttp import web


async def health(request):
    return web.json_response({"status": "ok"})


async def list_items(request):
    return web.json_response([])


def create_api() -> web.Application:
    api = web.Application()
    api.router.add_get("/health", health)
    api.router.add_get("/items", list_items)
    return api


app = web.Application()
app.add_subapp("/api/", create_api())

if __name__ == "__main__":
    web.run_app(app, port=8080)
