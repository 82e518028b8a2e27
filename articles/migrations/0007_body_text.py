# Search indexes the body as readers read it, not its Markdown: a plain-text copy
# of the body, kept by Article.save(), feeds the search vector and its snippets.

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations, models


def fill_body_text(apps, schema_editor):
    """Give every existing article the plain text save() would give it."""
    # The renderer is pure (no file read or written), so running it here is safe.
    from articles.rendering import render_markdown

    Article = apps.get_model("articles", "Article")
    batch = []
    for article in Article.objects.only("pk", "body").order_by("pk").iterator(chunk_size=500):
        article.body_text = render_markdown(article.body).plain_text
        batch.append(article)
        if len(batch) == 500:
            Article.objects.bulk_update(batch, ["body_text"])
            batch = []
    Article.objects.bulk_update(batch, ["body_text"])


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0006_rank_vector'),
    ]

    operations = [
        migrations.AddField(
            model_name='article',
            name='body_text',
            field=models.TextField(default='', editable=False),
        ),
        migrations.RunPython(fill_body_text, migrations.RunPython.noop, elidable=True),
        # A generated column's expression can't be altered: drop it (and its index)
        # and add it again; PostgreSQL computes it for every row from body_text.
        migrations.RemoveIndex(
            model_name='article',
            name='article_search_idx',
        ),
        migrations.RemoveField(
            model_name='article',
            name='search_vector',
        ),
        migrations.AddField(
            model_name='article',
            name='search_vector',
            field=models.GeneratedField(db_persist=True, expression=django.contrib.postgres.search.CombinedSearchVector(django.contrib.postgres.search.CombinedSearchVector(django.contrib.postgres.search.SearchVector('title', config='english', weight='A'), '||', django.contrib.postgres.search.SearchVector('dek', config='english', weight='B'), django.contrib.postgres.search.SearchConfig('english')), '||', django.contrib.postgres.search.SearchVector('body_text', config='english', weight='C'), django.contrib.postgres.search.SearchConfig('english')), output_field=django.contrib.postgres.search.SearchVectorField()),
        ),
        migrations.AddIndex(
            model_name='article',
            index=django.contrib.postgres.indexes.GinIndex(fields=['search_vector'], name='article_search_idx'),
        ),
    ]
