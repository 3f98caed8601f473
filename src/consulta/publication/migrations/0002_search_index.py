from django.db import migrations


def create(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS publication_contribution_fts "
                "USING fts5(body, tokenize='unicode61 remove_diacritics 2')"
            )
        elif connection.vendor == "postgresql":
            cursor.execute(
                "CREATE INDEX IF NOT EXISTS contribution_search ON publication_contribution "
                "USING GIN (to_tsvector('simple', search_document))"
            )


def drop(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TABLE IF EXISTS publication_contribution_fts")
        elif connection.vendor == "postgresql":
            cursor.execute("DROP INDEX IF EXISTS contribution_search")


class Migration(migrations.Migration):
    dependencies = [("publication", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
