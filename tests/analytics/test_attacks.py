"""A stranger attacking the reader counting through HTTP: what must hold."""

import csv
import io

import pytest

from analytics.models import ArticleDay
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
