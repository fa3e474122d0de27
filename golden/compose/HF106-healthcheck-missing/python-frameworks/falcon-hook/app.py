import falcon


def require_token(req, resp, resource, params):
    if req.get_header("X-Token") != "secret":
        raise falcon.HTTPForbidden()


@falcon.before(require_token)
class HealthResource:
    def on_get(self, req, resp):
        resp.media = {"status": "ok"}


app = falcon.App()
app.add_route("/health", HealthResource())
