from django.db import migrations


class Migration(migrations.Migration):
    """btree_gist lets exclusion constraints mix equality (an official) with time ranges.
    Installed once, into public, which every schema's search_path includes."""

    dependencies = [("platform_core", "0001_initial")]

    operations = [
        migrations.RunSQL(
            "CREATE EXTENSION IF NOT EXISTS btree_gist WITH SCHEMA public",
            reverse_sql=migrations.RunSQL.noop,
        )
    ]
