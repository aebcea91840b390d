"""A backup with the ledger in it restores whole, and the ledger's guards come back with it.

relief's migration 0002 installs trigger functions on PostgreSQL. A restore drops our tables
and replays the dump (which creates those functions and triggers again): it must neither fail
on functions that outlived the tables nor leave the restored ledger without its guards.
Transactional, like tests/test_backup_restore.py: pg_dump and psql work outside the test's
transaction. On SQLite (CI's first pass) the guards do not exist; the rows are still checked.
"""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from helpcenter import backup
from relief.models import Disbursement
from tests.conftest import seed_document_types, seed_relief_programmes
from tests.test_backup_restore import read_manifest, take_backup

pytestmark = pytest.mark.django_db(transaction=True)

GUARD_FUNCTIONS = (
    "relief_ledger_refuse_change",
    "relief_ledger_refuse_truncate",
    "relief_ledger_refuse_closed_month",
)


def refused(statement: str) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    except DatabaseError as error:
        return "append-only" in str(error)
    return False


def guard_functions() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT proname FROM pg_proc WHERE proname = ANY(%s) ORDER BY proname",
            [list(GUARD_FUNCTIONS)],
        )
        return [name for (name,) in cursor.fetchall()]


def test_a_restore_brings_back_the_ledger_and_its_guards(tmp_path):
    # What migrations seed (an earlier transactional test's flush removes it).
    seed_document_types()
    seed_relief_programmes()
    call_command("seed_demo", households=12, allow_production=True, stdout=StringIO())
    lines = list(Disbursement.objects.order_by("pk").values_list("voucher_number", "amount"))
    assert lines, "the demo pays relief: the backup holds ledger lines"
    folder = take_backup(tmp_path)
    manifest = read_manifest(folder)
    assert manifest["row_counts"]["relief.Disbursement"] == len(lines)
    # The ledger moves on after the backup: a line is appended (what the ledger allows).
    extra = Disbursement.objects.order_by("pk").first()
    extra.pk, extra.voucher_number, extra.note = None, "AFTER-BACKUP", "备份之后的一笔"
    extra.entitlement, extra.sequence, extra.paid_on = None, None, timezone.localdate()
    extra.save()

    for _ in range(2):  # a second restore over a restored database works the same
        call_command("restore", str(folder), yes=True, stdout=StringIO())
        assert backup.row_counts() == manifest["row_counts"]
        assert (
            list(Disbursement.objects.order_by("pk").values_list("voucher_number", "amount"))
            == lines
        )

    if connection.vendor != "postgresql":
        return
    assert guard_functions() == sorted(GUARD_FUNCTIONS)
    assert refused("UPDATE relief_disbursement SET amount = amount + 1")
    assert refused("DELETE FROM relief_disbursement")
    assert refused(
        "SET LOCAL helpcenter.allow_ledger_truncate = 'off'; TRUNCATE relief_disbursement CASCADE"
    )
    assert Disbursement.objects.count() == len(lines)
