"""The ledger is append-only in PostgreSQL itself (relief/migrations/0002_ledger_guards.py):
UPDATE, DELETE and TRUNCATE through raw SQL are refused, and no line may be inserted dated in a
closed month, whatever code tries."""

from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from relief import services
from relief.models import ClosedMonth, Disbursement, LineKind, Method
from tests.ledger_support import approved_relief

pytestmark = pytest.mark.django_db


@pytest.fixture
def line(registry):
    if connection.vendor != "postgresql":
        pytest.skip("the ledger's triggers exist on PostgreSQL only (the demo's SQLite has none)")
    with connection.cursor() as cursor:
        # The test database allows TRUNCATE for the suite's teardown; this session does not.
        cursor.execute("SET helpcenter.allow_ledger_truncate = 'off'")
    entitlement = approved_relief(registry, amount="1200.00")
    return services.disbursement_pay(
        actor=registry.finance,
        entitlement=entitlement,
        method=Method.CASH,
        amount=Decimal("1200.00"),
        paid_on=timezone.localdate(),
        signed_by="张三",
    )


def refused(sql: str, params=()) -> str:
    with pytest.raises(DatabaseError) as refusal, transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql, params)
    return str(refusal.value)


def test_update_is_refused(line):
    message = refused("UPDATE relief_disbursement SET amount = 1 WHERE id = %s", [line.pk])
    assert "append-only" in message
    assert Disbursement.objects.get(pk=line.pk).amount == Decimal("1200.00")


def test_delete_is_refused(line):
    assert "append-only" in refused("DELETE FROM relief_disbursement WHERE id = %s", [line.pk])
    assert Disbursement.objects.filter(pk=line.pk).exists()


def test_truncate_is_refused(line):
    assert "TRUNCATE" in refused("TRUNCATE relief_disbursement CASCADE")
    assert Disbursement.objects.count() == 1


def test_a_line_dated_in_a_closed_month_is_refused_by_the_database(line, registry):
    today = timezone.localdate()
    ClosedMonth.objects.create(year=today.year, month=today.month, closed_by=registry.finance)
    with pytest.raises(DatabaseError) as refusal, transaction.atomic():
        Disbursement.objects.create(  # past the services, straight to the table
            voucher_number="X-1",
            kind=LineKind.REVERSAL,
            paid_on=today,
            payer=registry.finance,
            entitlement=line.entitlement,
            sequence=2,
            reverses=line,
            household=line.household,
            union=line.union,
            programme=line.programme,
            fund=line.fund,
            budget=line.budget,
            method=line.method,
            amount=-line.amount,
        )
    assert "closed month" in str(refusal.value)
    assert Disbursement.objects.count() == 1
