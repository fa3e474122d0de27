import asyncio

from aiohttp import web


async def health(request):
    return web.Response(text="ok")


async def main():
    app = web.Application()
    app.router.add_get("/health", health)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "0.0.0.0", 8888).start()
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
