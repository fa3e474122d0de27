import asyncio

from tornado.web import Application, HTTPError, RequestHandler


class BaseHandler(RequestHandler):
    def prepare(self):
        if self.request.headers.get("X-Token") != "secret":
            raise HTTPError(401)


class HealthHandler(BaseHandler):
    def get(self):
        self.write("ok")


async def main():
    app = Application([(r"/health", HealthHandler)])
    app.listen(8888)
    await asyncio.Event().wait()


asyncio.run(main())
