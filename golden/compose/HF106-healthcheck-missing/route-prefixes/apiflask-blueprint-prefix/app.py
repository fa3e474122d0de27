from apiflask import APIFlask

from views import bp

app = APIFlask(__name__, title="Pets")
app.register_blueprint(bp)
