from django.urls import include, path

urlpatterns = [
    path("healthz", include("health.urls")),
]
