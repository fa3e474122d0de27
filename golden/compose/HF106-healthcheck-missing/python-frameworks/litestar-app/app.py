from litestar import Litestar, get
from litestar.di import Provide


async def session() -> dict:
    raise RuntimeError("no database in a probe")


@get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@get("/items")
async def items(db: dict) -> list[str]:
    return []


# Litestar runs a dependency only for a handler that asks for it: not for `health`.
app = Litestar(route_handlers=[health, items], dependencies={"db": Provide(session)})
