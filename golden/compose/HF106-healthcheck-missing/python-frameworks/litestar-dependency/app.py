from litestar import Litestar, Request, get
from litestar.di import Provide
from litestar.exceptions import NotAuthorizedException


async def current_user(request: Request) -> str:
    if "authorization" not in request.headers:
        raise NotAuthorizedException()
    return "user"


@get("/health")
async def health(user: str) -> str:
    return "ok"


app = Litestar(route_handlers=[health], dependencies={"user": Provide(current_user)})
