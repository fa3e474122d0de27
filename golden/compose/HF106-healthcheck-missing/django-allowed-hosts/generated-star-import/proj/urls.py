from django.urls import path
from django.http import HttpResponse
def health(request):
    return HttpResponse("ok")
urlpatterns = [path("health/", health)]
