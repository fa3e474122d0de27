from flask import Flask, jsonify, redirect, request


def force_https():
    # behind the load balancer, which terminates TLS and sets X-Forwarded-Proto
    if request.headers.get("X-Forwarded-Proto", "http") != "https":
        return redirect(request.url.replace("http://", "https://", 1), code=301)


def create_app():
    app = Flask(__name__)
    app.before_request(force_https)

    @app.route("/health")
    def health():
        return jsonify(status="ok")

    return app
