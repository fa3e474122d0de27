import os


class Production:
    SERVER_NAME = os.environ.get("PUBLIC_HOST", "app.example.org")
