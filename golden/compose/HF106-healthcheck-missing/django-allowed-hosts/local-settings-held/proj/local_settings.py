ALLOWED_HOSTS = ["127.0.0.1", "app.example.com"]
