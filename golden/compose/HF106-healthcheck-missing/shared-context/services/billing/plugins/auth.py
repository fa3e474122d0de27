from starlette.middleware.base import BaseHTTPMiddleware

from services.billing.main import app


class RequireKey(BaseHTTPMiddleware):
    async def dispatch(self, request, call_next):
        if request.headers.get("x-api-key") != "secret":
            return None
        return await call_next(request)


app.add_middleware(RequireKey)
