import os
SECRET_KEY = os.environ.get("SECRET_KEY", "x")
DEBUG = False
# django-admin startproject's middleware; CommonMiddleware calls request.get_host(),
# which raises DisallowedHost (-> 400) for Host: 127.0.0.1:8000.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]
ALLOWED_HOSTS = ["example.com", "127.0.0.1"]
ROOT_URLCONF = "proj.urls"
