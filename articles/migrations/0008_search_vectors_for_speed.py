# Search stays fast at 10,000 articles (issue 14):
#
# - The planner must always find matches through the GIN index. With statistics on
#   the search vector it knows a common word matches most articles and reads the
#   whole table instead, testing every article's vector: 65 ms at 10,000 articles,
#   where the index answers in 8. Without statistics it assumes PostgreSQL's
#   default (0.5% of rows match) and always uses the index. A column's statistics
#   can't be dropped portably, so the generated column is added again, as in 0007,
#   and told to gather none from the start.
# - Both vectors are kept in the row (STORAGE MAIN), not out of line in TOAST: the
#   index can't check a "quoted phrase" (it keeps no word positions), so PostgreSQL
#   rereads the vector of every article holding all the phrase's words, three
#   times faster from the row than from TOAST. The rank vector is small, but would
#   otherwise be pushed out of the (now wide) row, and ranking reads it for every
#   match. Existing rows are rewritten once so they are stored the new way.

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
            "ALTER TABLE articles_article ALTER COLUMN search_vector SET STATISTICS 0, "
            "ALTER COLUMN search_vector SET STORAGE MAIN, "
            "ALTER COLUMN rank_vector SET STORAGE MAIN",
            "ALTER TABLE articles_article ALTER COLUMN search_vector SET STATISTICS -1, "
            "ALTER COLUMN search_vector SET STORAGE EXTENDED, "
            "ALTER COLUMN rank_vector SET STORAGE EXTENDED",
        ),
        migrations.AddIndex(
            model_name='article',
            index=django.contrib.postgres.indexes.GinIndex(fields=['search_vector'], name='article_search_idx'),
        ),
        # Last: the rewrite queues foreign-key checks, and no index can be built after it.
        migrations.RunSQL(
            "UPDATE articles_article SET title = title, body_text = body_text",
            migrations.RunSQL.noop,
            elidable=True,
        ),
    ]
