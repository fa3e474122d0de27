from flask import Blueprint, Flask

app = Flask(__name__)
ops = Blueprint("ops", __name__)


@ops.get("/health")
def health():
    return "ok"


app.register_blueprint(ops, url_prefix="/ops", subdomain="ops")
