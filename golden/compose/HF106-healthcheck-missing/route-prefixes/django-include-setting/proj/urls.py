from django.conf import settings
from django.urls import include, path

urlpatterns = [path(settings.API_PREFIX, include("api.urls"))]
