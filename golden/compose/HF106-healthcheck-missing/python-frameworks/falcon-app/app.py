import falcon


class HealthResource:
    def on_get(self, req, resp):
        resp.media = {"status": "ok"}


class StatusResource:
    def on_post(self, req, resp):
        resp.media = {"accepted": True}


app = falcon.App(cors_enable=True)
health = HealthResource()
app.add_route("/health", health)
app.add_route("/status", StatusResource())  # POST alone: a GET gets 405
