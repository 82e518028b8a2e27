import csv

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse

from analytics import charts
from analytics.dashboard import PERIODS, Dashboard
from operations.spreadsheets import cell

PERMISSION = "analytics.view_dashboard"


def _board(request) -> Dashboard:
    days = request.GET.get("days", "")
    return Dashboard(int(days) if days in {str(p) for p in PERIODS} else PERIODS[0])


@permission_required(PERMISSION, raise_exception=True)
def dashboard(request):
    """Who reads, what they say, what they look for: the editors' page in the admin."""
    board = _board(request)
    traffic = {"views": [r["views"] for r in board.traffic],
               "visitors": [r["visitors"] for r in board.traffic]}  # fmt: skip
    comments = {kind: [r[kind] for r in board.comments] for kind in ("approved", "held", "spam")}
    context = {
        **admin.site.each_context(request),
        "title": "Readers",
        "board": board,
        "periods": PERIODS,
        "traffic_chart": charts.line_chart(traffic),
        "comments_chart": charts.stacked_bars(comments),
        "count_minutes": settings.PERIODIC_TASKS["analytics.tasks.roll_up_readers"] // 60,
    }
    return TemplateResponse(request, "admin/analytics/dashboard.html", context)


EXPORTS = {
    "days": (
        ["day", "views", "visitors", "comments approved", "comments held", "comments spam"],
        lambda board: [
            [t["day"], t["views"], t["visitors"], c["approved"], c["held"], c["spam"]]
            for t, c in zip(board.traffic, board.comments, strict=True)
        ],
    ),
    "articles": (
        ["article", "address", "views", "visitors", "comments", "read to the end (%)"],
        lambda board: [
            [
                a["article__title"],
                f"/articles/{a['article__slug']}/",
                a["views"],
                a["visitors"],
                a["article__comment_count"],
                a["read_to_end"],
            ]
            for a in board.top_articles
        ],
    ),
    "depth": (
        ["read at least", "visitors", "share (%)"],
        lambda board: [[b["label"], b["readers"], b["percent"]] for b in board.depth["bands"]],
    ),
    "referrers": (
        ["site", "views"],
        lambda board: [[r["domain"], r["views"]] for r in board.referrers],
    ),
    "searched": (
        ["search", "times", "articles found"],
        lambda board: [[s["query"], s["searches"], s["results"]] for s in board.searched],
    ),
    "searches": (
        ["search that found nothing", "times"],
        lambda board: [[s["query"], s["searches"]] for s in board.found_nothing],
    ),
}


@permission_required(PERMISSION, raise_exception=True)
def export(request, table):
    """One of the dashboard's tables as CSV, for the period shown."""
    if table not in EXPORTS:
        raise Http404("There is no such table.")
    board = _board(request)
    header, rows = EXPORTS[table]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="readers-{table}-{board.days}d.csv"'
    # Every text cell quoted: a spreadsheet that splits on ';' (Excel in much of Europe)
    # must not find a cell starting with '=' after a ';' inside a reader's search.
    writer = csv.writer(response, quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow(header)
    writer.writerows([cell(value) for value in row] for row in rows(board))
    return response
