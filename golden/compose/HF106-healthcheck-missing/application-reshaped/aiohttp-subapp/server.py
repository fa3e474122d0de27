from aiohttp import web


async def health(request):
    return web.json_response({"ok": True})


api = web.Application()
api.add_routes([web.get("/health", health)])

app = web.Application()
app.add_subapp("/api/", api)

if __name__ == "__main__":
    web.run_app(app, port=8080)
