from flask import Flask

app = Flask(__name__)


def health():
    return "ok"


app.add_url_rule("/health", view_func=health, subdomain="ops")
