from functools import wraps

from django.http import HttpResponse
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def require_key(view):
    @wraps(view)
    def checked(request, *args, **kwargs):
        if request.headers.get("X-Key") != "k":
            return HttpResponse(status=401)
        return view(request, *args, **kwargs)

    return checked


@require_key
def health(request):
    return HttpResponse("ok")


@require_GET
@never_cache
def ping(request):
    return HttpResponse("pong")


urlpatterns = [path("health/", health), path("ping/", ping)]
