import asyncio

import tornado.web
from tornado.options import define, options

define("port", default=8888, type=int)


class HealthHandler(tornado.web.RequestHandler):
    def get(self):
        self.write({"status": "ok"})


def make_app():
    return tornado.web.Application([(r"/health/?", HealthHandler)])


async def main():
    options.parse_command_line()
    app = make_app()
    app.listen(options.port)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
