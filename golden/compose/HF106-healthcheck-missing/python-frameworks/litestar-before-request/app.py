from litestar import Litestar, Request, Response, get


async def require_token(request: Request) -> Response | None:
    if request.headers.get("x-token") != "secret":
        return Response("unauthorized", status_code=401)
    return None


@get("/health")
async def health() -> str:
    return "ok"


app = Litestar(route_handlers=[health], before_request=require_token)
