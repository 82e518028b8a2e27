# The planner must always find matches through the GIN index. With statistics on
# the search vector it knows a common word matches most articles and reads the
# whole table instead, fetching every article's vector out of TOAST to test it:
# 65 ms at 10,000 articles, where the index answers in 8 (issue 14). Without
# statistics it assumes PostgreSQL's default (0.5% of rows match) and always uses
# the index. A column's statistics can't be dropped portably, so the generated
# column is added again, as in 0007, and told to gather none from the start.

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0007_body_text'),
    ]

    operations = [
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
        migrations.RunSQL(
            "ALTER TABLE articles_article ALTER COLUMN search_vector SET STATISTICS 0",
            "ALTER TABLE articles_article ALTER COLUMN search_vector SET STATISTICS -1",
        ),
        migrations.AddIndex(
            model_name='article',
            index=django.contrib.postgres.indexes.GinIndex(fields=['search_vector'], name='article_search_idx'),
        ),
    ]
