from django.conf import settings


def site(request):
    """Expose the blog's name to every template."""
    return {"SITE_NAME": settings.SITE_NAME}
