from svc.server import app
from svc.auth import RequireKey

app.add_middleware(RequireKey)
