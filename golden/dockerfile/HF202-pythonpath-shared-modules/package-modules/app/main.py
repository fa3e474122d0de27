from app.views import listing  # noqa: F401
