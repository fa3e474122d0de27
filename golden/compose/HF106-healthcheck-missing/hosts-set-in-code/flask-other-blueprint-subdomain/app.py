from flask import Blueprint, Flask

app = Flask(__name__, host_matching=False)
admin = Blueprint("admin", __name__, subdomain="admin")


@admin.get("/status")
def admin_status():
    return "ok"


@app.get("/health")
def health():
    return "ok"


app.register_blueprint(admin)
