from svc.server import app
