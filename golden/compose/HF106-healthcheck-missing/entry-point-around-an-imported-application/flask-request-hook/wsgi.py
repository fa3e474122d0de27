from svc import app
from svc.auth import check_key

app.before_request(check_key)
