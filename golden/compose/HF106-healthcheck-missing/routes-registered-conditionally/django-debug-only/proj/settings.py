import os

DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "proj.urls"
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
