from django.http import HttpResponse
from django.urls import path

from heatblog.urls import urlpatterns as site_urlpatterns


def hello(request):
    """The reference: the smallest Django view, through the same middleware and server."""
    return HttpResponse("Hello, world!", content_type="text/plain")


urlpatterns = [path("hello/", hello), *site_urlpatterns]
