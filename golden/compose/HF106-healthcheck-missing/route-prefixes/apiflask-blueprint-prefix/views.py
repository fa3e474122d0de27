from apiflask import APIBlueprint

bp = APIBlueprint("pets", __name__, url_prefix="/api")


@bp.get("/health")
def health():
    return {"status": "ok"}


@bp.get("/pets")
def pets():
    return []
