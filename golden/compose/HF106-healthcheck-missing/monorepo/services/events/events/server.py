import argparse

from aiohttp import web


async def health(request):
    return web.Response(text="ok")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=9000)
    arguments = parser.parse_args()
    app = web.Application()
    app.router.add_get("/health", health)
    web.run_app(app, port=arguments.port)


if __name__ == "__main__":
    main()
