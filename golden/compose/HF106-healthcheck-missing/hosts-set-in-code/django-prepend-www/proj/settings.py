SECRET_KEY = "not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
PREPEND_WWW = True
ROOT_URLCONF = "proj.urls"
INSTALLED_APPS = []
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]
