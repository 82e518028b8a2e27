"""EMAIL_URL to Django 6.1's MAILERS entry."""

from urllib.parse import parse_qs, unquote, urlsplit

BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
    "dummy": "django.core.mail.backends.dummy.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "smtps": "django.core.mail.backends.smtp.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
}


def mailer_config(url: str) -> dict:
    """Mailer for `smtp://user:pass@host:587` (STARTTLS), `smtps://…` (TLS), `console:`,
    `file:///folder` (one file per message, for a machine without mail)…"""
    parts = urlsplit(url)
    if parts.scheme not in BACKENDS:
        raise ValueError(
            f"EMAIL_URL scheme must be one of {sorted(BACKENDS)}, not {parts.scheme!r}"
        )
    config = {"BACKEND": BACKENDS[parts.scheme]}
    if parts.scheme == "file":
        config["OPTIONS"] = {"file_path": unquote(parts.path)}
    if parts.scheme.startswith("smtp"):
        query = parse_qs(parts.query)
        config["OPTIONS"] = {
            "host": parts.hostname or "localhost",
            "port": parts.port or (465 if parts.scheme == "smtps" else 587),
            "username": unquote(parts.username or ""),
            "password": unquote(parts.password or ""),
            "use_ssl": parts.scheme == "smtps",
            "use_tls": parts.scheme == "smtp" and query.get("tls", ["1"])[0] != "0",
            "timeout": 10,
        }
    return config
