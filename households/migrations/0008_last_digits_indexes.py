"""Indexes for the search by the last digits of a head's ID or of a file number (PostgreSQL).

The list's search looks for `reverse(id_number) LIKE '<digits reversed>%'` (see
households.filters): a prefix search on the reversed text, which a B-tree with
text_pattern_ops serves. Expression indexes with an operator class are PostgreSQL's; on SQLite
(the demo's database, a few thousand files) the operation does nothing and the search scans.
Plain SQL, not Meta.indexes, so the models' state (and `makemigrations --check`) is unchanged.
"""

from django.db import migrations

INDEXES = {
    "member_head_id_reversed": (
        "households_member (reverse(id_number) text_pattern_ops) WHERE relation = 'self'"
    ),
    "household_file_number_reversed": (
        "households_household (reverse(file_number) text_pattern_ops)"
    ),
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("households", "0007_document_of_registration_application"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
