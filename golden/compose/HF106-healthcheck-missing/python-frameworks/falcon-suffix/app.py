import falcon


class OpsResource:
    def on_get(self, req, resp):
        resp.media = {"ops": True}

    def on_post_healthz(self, req, resp):
        resp.media = {"status": "ok"}


app = falcon.App()
app.add_route("/ops", OpsResource())
app.add_route("/healthz", OpsResource(), suffix="healthz")  # on_get_healthz is not defined: 405
