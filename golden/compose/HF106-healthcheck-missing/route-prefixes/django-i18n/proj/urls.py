from django.conf.urls.i18n import i18n_patterns
from django.http import HttpResponse
from django.urls import path


def health(request):
    return HttpResponse("ok")


urlpatterns = i18n_patterns(path("health/", health))
