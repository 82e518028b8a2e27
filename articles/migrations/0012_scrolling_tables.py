from django.db import migrations


def wrap_tables(apps, schema_editor):
    """Bodies rendered before tables scrolled in a box of their own get one now (a later
    save would render them so anyway)."""
    from articles.rendering import scrolling_tables

    Article = apps.get_model("articles", "Article")
    rendered = Article.objects.filter(body_html__contains="<table>").exclude(
        body_html__contains='class="table-scroll"'
    )
    for article in rendered.only("pk", "body_html"):
        article.body_html = scrolling_tables(article.body_html)
        article.save(update_fields=["body_html"])


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0011_preview_key"),
    ]

    operations = [
        migrations.RunPython(wrap_tables, migrations.RunPython.noop),
    ]
