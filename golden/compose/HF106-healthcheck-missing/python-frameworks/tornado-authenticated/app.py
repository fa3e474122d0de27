import asyncio

import tornado.web


class HealthHandler(tornado.web.RequestHandler):
    def get_current_user(self):
        return self.get_secure_cookie("user")

    @tornado.web.authenticated
    def get(self):
        self.write("ok")


async def main():
    app = tornado.web.Application([(r"/health", HealthHandler)], cookie_secret="x", login_url="/login")
    app.listen(8888)
    await asyncio.Event().wait()


asyncio.run(main())
