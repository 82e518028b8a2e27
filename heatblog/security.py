"""What pages let the browser do: Permissions-Policy features and the Content-Security-Policy."""

from django.utils.csp import CSP

# Powerful browser features nobody reading an essay needs (django-permissions-policy).
UNUSED_BROWSER_FEATURES = (
    "accelerometer",
    "autoplay",
    "camera",
    "display-capture",
    "geolocation",
    "gyroscope",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "usb",
    "browsing-topics",
)


def content_security_policy(image_origins: list[str]) -> dict[str, list]:
    """The SECURE_CSP setting: this site only (scripts by nonce), plus the origins
    uploaded images load from when they live in a bucket."""
    return {
        "default-src": [CSP.SELF],
        "script-src": [CSP.SELF, CSP.NONCE],
        "style-src": [CSP.SELF],
        "img-src": [CSP.SELF, *image_origins],
        "font-src": [CSP.SELF],
        "connect-src": [CSP.SELF],
        "object-src": [CSP.NONE],
        "base-uri": [CSP.NONE],
        "form-action": [CSP.SELF],
        "frame-ancestors": [CSP.NONE],
    }
