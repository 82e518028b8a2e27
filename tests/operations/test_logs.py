"""Request ids on every response and log line; log records and error reports that
hold up during an outage."""

import logging
import re
import sys

import pytest
from django.db import OperationalError, connection
from django.test import Client, override_settings

from operations.logs import ErrorReporter, OneLineFormatter, RequestIdFilter, current_request_id


def test_every_response_carries_a_request_id(client):
    first, second = client.get("/healthz"), client.get("/healthz")

    assert re.fullmatch(r"[0-9a-f]{32}", first["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


@override_settings(BEHIND_PROXY=True)
def test_behind_a_proxy_its_request_id_is_kept_and_a_malformed_one_replaced():
    client = Client()
    kept = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a9c2e-0001"})
    replaced = client.get("/healthz", headers={"X-Request-ID": "<script>\nInjected: yes"})

    assert kept["X-Request-ID"] == "lb-7f3a9c2e-0001"
    assert re.fullmatch(r"[0-9a-f]{32}", replaced["X-Request-ID"])


def test_without_a_proxy_clients_cannot_name_their_requests(client):
    response = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a9c2e-0001"})

    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_a_logged_error_is_one_line_with_its_request_id():
    formatter = OneLineFormatter("%(levelname)s request_id=%(request_id)s %(message)s")
    token = current_request_id.set("abc123def456")
    try:
        raise OperationalError("server closed the connection\nunexpectedly")
    except OperationalError:
        record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Failed", (), None)
        record.exc_info = sys.exc_info()
    finally:
        RequestIdFilter().filter(record)
        current_request_id.reset(token)

    line = formatter.format(record)

    assert "\n" not in line
    assert line.startswith("ERROR request_id=abc123def456 Failed | Traceback")
    assert "server closed the connection | unexpectedly" in line


@pytest.mark.django_db
def test_an_error_report_during_an_outage_never_asks_the_database_again():
    from articles.models import Article

    articles = Article.objects.all()  # a local variable whose repr would query
    queries = []

    def count_and_fail(execute, sql, params, many, context):
        queries.append(sql)
        raise OperationalError("server closed the connection unexpectedly")

    with connection.execute_wrapper(count_and_fail):
        try:
            list(articles)
        except OperationalError:
            queries.clear()
            report = ErrorReporter(None, *sys.exc_info()).get_traceback_text()

    assert queries == []
    assert "OperationalError" in report
    assert "<QuerySet" not in report
