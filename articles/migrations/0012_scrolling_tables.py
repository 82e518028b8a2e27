from django.db import migrations


def wrap_tables(apps, schema_editor):
    """Bodies rendered before tables scrolled in a box of their own, and code blocks took
    the keyboard's focus, get them now (a later save would render them so anyway)."""
    from articles.rendering import scrolling_code, scrolling_tables

    Article = apps.get_model("articles", "Article")
    tables = Article.objects.filter(body_html__contains="<table>").exclude(
        body_html__contains='class="table-scroll"'
    )
    for article in tables.only("pk", "body_html"):
        article.body_html = scrolling_tables(article.body_html)
        article.save(update_fields=["body_html"])
    for article in Article.objects.filter(body_html__contains="<pre>").only("pk", "body_html"):
        article.body_html = scrolling_code(article.body_html)
        article.save(update_fields=["body_html"])


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0011_preview_key"),
    ]

    operations = [
        migrations.RunPython(wrap_tables, migrations.RunPython.noop),
    ]
