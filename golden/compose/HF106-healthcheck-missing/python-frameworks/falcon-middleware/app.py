import falcon


class RequireToken:
    def process_request(self, req, resp):
        if req.get_header("X-Token") != "secret":
            raise falcon.HTTPUnauthorized()


class HealthResource:
    def on_get(self, req, resp):
        resp.media = {"status": "ok"}


app = falcon.App(middleware=[RequireToken()])
app.add_route("/health", HealthResource())
