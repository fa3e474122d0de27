from django.conf import settings
from django.http import JsonResponse
from django.urls import path


def health(request):
    return JsonResponse({"ok": True})


urlpatterns = []

if settings.DEBUG:
    urlpatterns += [path("health/", health)]
