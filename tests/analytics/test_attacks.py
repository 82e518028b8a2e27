"""A stranger attacking the reader counting through HTTP: what must hold."""

import csv
import io

import pytest
from django.core.management import call_command
from django.db import connections

from analytics.models import ArticleDay, DailySalt
from operations.backups import run_client
from tests.analytics.conftest import CHROME, Reader, tally
from tests.factories import make_article

pytestmark = pytest.mark.django_db

DASHBOARD = "/admin/readers/"


@pytest.fixture
def article(db):
    return make_article(title="Heat (1995)", slug="heat")


def test_reading_depth_sent_without_a_view_counts_no_reader_to_the_end(article, staff_client):
    """Depth reports alone, each from a new browser name, must not make readers out of
    nobody: 'read to the end' is a share of the visitors who viewed the article."""
    Reader(ip="192.0.2.1").view(article)
    token = Reader(ip="192.0.2.1").open(article.get_absolute_url())
    for n in range(20):
        forger = Reader(ip="198.51.100.7", agent=CHROME.replace("130.0", f"{n}.0"))
        assert forger.beacon(a=token, d="100").status_code == 204
    tally()

    day = ArticleDay.objects.get()
    assert (day.views, day.visitors, day.reached_100) == (1, 1, 0)
    response = staff_client.get(DASHBOARD)
    assert response.status_code == 200
    row = response.content.decode().split("Heat (1995)</a>", 1)[1].split("</tr>", 1)[0]
    assert '<td class="n">0%</td>' in row


@pytest.mark.parametrize("separator", [",", ";"])
def test_a_search_exported_as_csv_runs_as_no_formula_where_cells_split_on_semicolons(
    staff_client, db, separator
):
    """Excel in much of Europe splits a .csv on ';': a query with ';' inside must stay one
    cell, or what follows it starts a cell of its own, formula and all."""
    Reader().search("heat;=cmd|' /C calc'!A0")
    tally()

    response = staff_client.get(DASHBOARD + "searches.csv")

    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode()), delimiter=separator))
    cells = [cell for row in rows[1:] for cell in row]
    assert not [cell for cell in cells if cell[:1] in "=+-@"]
    assert any("heat;=cmd" in cell for cell in cells)


@pytest.mark.django_db(transaction=True)
def test_a_backup_keeps_no_salt_to_trace_the_days_visitors_back_to_addresses(
    article, tmp_path, django_db_setup
):
    """With the day's salt beside the day's events, anyone holding an old backup could
    hash all 2³² IPv4 addresses and find which one each network code was."""
    Reader(ip="192.0.2.1").view(article)
    tally()
    salt = bytes(DailySalt.objects.get().salt).hex()

    call_command("backup", dir=tmp_path, stdout=io.StringIO())

    [dump] = tmp_path.glob("*.dump")
    database = connections["default"].settings_dict
    sql = run_client("pg_restore", "--file=-", dump, database=database, failure="pg_restore:")
    assert "COPY public.analytics_event " in sql  # the day's events are kept
    assert salt not in sql
