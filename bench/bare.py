"""The "bare Django" reference: a hello world with no middleware, no apps, no database.

Served by the same gunicorn (`gunicorn --config gunicorn.conf.py bench.bare:application`),
it is the floor any Django page stands on; heatblog's shared pages are measured
against it.
"""

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpResponse
from django.urls import path

settings.configure(
    DEBUG=False,
    SECRET_KEY="bench-bare-" + "k" * 50,
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
)


def hello(request):
    return HttpResponse("Hello, world!", content_type="text/plain")


urlpatterns = [path("hello/", hello)]

application = get_wsgi_application()
