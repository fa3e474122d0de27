from fastapi.middleware.trustedhost import TrustedHostMiddleware
from svc.server import app

app.add_middleware(TrustedHostMiddleware, allowed_hosts=["example.com"])
