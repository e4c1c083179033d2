"""The fast schema copy reproduces the template exactly: tables, columns, defaults, indexes,
constraints (check, unique, exclusion, foreign keys pointing into the new schema), rows and
identity sequences."""

from __future__ import annotations

from django.conf import settings
from django.db import connection

from tenants.schema_clone import clone_schema_fast

TEMPLATE = settings.TENANT_BASE_SCHEMA


def _without_predicate(definition: str) -> str:
    # A partial index's WHERE clause is re-deparsed with equivalent but differently written
    # casts; the predicate's effect is checked by the booking tests, which run on copies.
    head, _, predicate = definition.partition(" WHERE ")
    return head + (" WHERE <predicate>" if predicate else "")


def catalogue(schema: str) -> dict[str, list]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name, data_type, is_nullable, is_identity, "
            "replace(coalesce(column_default, ''), %s, 'S') FROM information_schema.columns "
            "WHERE table_schema = %s ORDER BY 1, 2",
            [schema, schema],
        )
        columns = cursor.fetchall()
        cursor.execute(
            "SELECT tablename, replace(replace(indexdef, %s, 'S.'), %s, 'S.') "
            "FROM pg_indexes WHERE schemaname = %s ORDER BY 1, 2",
            [f'"{schema}".', f"{schema}.", schema],
        )
        indexes = [(t, _without_predicate(d)) for t, d in cursor.fetchall()]
        cursor.execute(
            "SELECT cl.relname || '.' || con.conname, con.contype, "
            "replace(pg_get_constraintdef(con.oid), %s, 'S.') "
            "FROM pg_constraint con JOIN pg_class cl ON cl.oid = con.conrelid "
            "JOIN pg_namespace n ON n.oid = cl.relnamespace WHERE n.nspname = %s ORDER BY 1, 2, 3",
            [f'"{schema}".', schema],
        )
        constraints = [
            (t, k, _without_predicate(d.replace(f"{schema}.", "S.")))
            for t, k, d in cursor.fetchall()
        ]
        cursor.execute(
            "SELECT cl.relname, ref.relname FROM pg_constraint con "
            "JOIN pg_class cl ON cl.oid = con.conrelid "
            "JOIN pg_class ref ON ref.oid = con.confrelid "
            "JOIN pg_namespace rn ON rn.oid = ref.relnamespace "
            "JOIN pg_namespace n ON n.oid = cl.relnamespace "
            "WHERE n.nspname = %s AND con.contype = 'f' AND rn.nspname <> %s",
            [schema, schema],
        )
        foreign_targets_elsewhere = cursor.fetchall()
        cursor.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s", [schema]
        )
        tables = cursor.fetchone()[0]
        cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations ORDER BY 1, 2')  # noqa: S608
        migrations = cursor.fetchall()
    return {
        "columns": columns,
        "indexes": indexes,
        "constraints": constraints,
        "foreign_elsewhere": foreign_targets_elsewhere,
        "tables": [tables],
        "migrations": migrations,
    }


def test_copy_matches_the_template(db):
    clone_schema_fast(TEMPLATE, "copy-under-test")
    template, copy = catalogue(TEMPLATE), catalogue("copy-under-test")
    for key in template:
        assert copy[key] == template[key], key
    assert template["tables"][0] > 20
    assert any(c[1] == "x" for c in copy["constraints"])  # the exclusion constraint
    assert copy["foreign_elsewhere"] == []  # every foreign key points into the copy


def test_identity_sequences_continue_after_the_copied_rows(db):
    clone_schema_fast(TEMPLATE, "copy-seq")
    with connection.cursor() as cursor:
        cursor.execute('SELECT max(id) FROM "copy-seq".django_content_type')
        highest = cursor.fetchone()[0]
        cursor.execute(
            'INSERT INTO "copy-seq".django_content_type (app_label, model) '
            "VALUES ('x', 'y') RETURNING id"
        )
        assert cursor.fetchone()[0] > highest
