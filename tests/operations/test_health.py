"""/healthz and /readyz: what load balancers probe, answered before any other middleware."""

import pytest
from django.db import OperationalError, connection


def test_liveness_answers_without_touching_the_database(client):
    response = client.get("/healthz")  # no django_db mark: a query would raise

    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert response["Cache-Control"] == "no-store"
    assert not response.cookies


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_load_balancers_probing_by_address_over_http_get_an_answer(client, settings, path):
    settings.ALLOWED_HOSTS = ["blog.example.com"]
    settings.SECURE_SSL_REDIRECT = True

    response = client.get(path, headers={"host": "10.0.0.7:8000"})

    assert response.status_code == 200


@pytest.mark.django_db
def test_readiness_asks_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/readyz")

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_readiness_fails_when_the_database_does_not_answer(client):
    with connection.execute_wrapper(_database_is_down):
        response = client.get("/readyz")

    assert response.status_code == 503
    assert response.content == b"database unavailable\n"


def _database_is_down(execute, sql, params, many, context):
    raise OperationalError("connection to server on socket failed: No such file or directory")
