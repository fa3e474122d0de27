from svc.server import api
from svc.guard import require_key

app = require_key(api)
