from litestar import Controller, Litestar, Router, get


class OpsController(Controller):
    path = "/ops"

    @get("/healthz")
    async def healthz(self) -> str:
        return "ok"


api = Router(path="/api", route_handlers=[OpsController])


def create_app() -> Litestar:
    return Litestar(route_handlers=[api])
