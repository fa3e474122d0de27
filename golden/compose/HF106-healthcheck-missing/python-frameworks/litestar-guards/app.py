from litestar import Litestar, get
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers import BaseRouteHandler


def requires_token(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    if connection.headers.get("x-token") != "secret":
        raise NotAuthorizedException()


@get("/health")
async def health() -> str:
    return "ok"


app = Litestar(route_handlers=[health], guards=[requires_token])
