"""PostgreSQL keeps relief_ledgermonth, the ledger summed by month and by what the ledger page
filters on, with an AFTER INSERT trigger on the ledger (which only ever grows: UPDATE, DELETE and
TRUNCATE are refused by migration 0002), and fills it from the lines already there. The ledger
page then sums whole months from a few hundred rows instead of every line."""

from django.db import migrations

KEY = "year, month, union_id, programme_id, fund_id, method, kind, is_loan"

FORWARD = f"""
CREATE OR REPLACE FUNCTION relief_ledger_month_add() RETURNS trigger AS $$
BEGIN
    INSERT INTO relief_ledgermonth ({KEY}, lines, amount)
    VALUES (extract(year FROM NEW.paid_on), extract(month FROM NEW.paid_on), NEW.union_id,
            NEW.programme_id, NEW.fund_id, NEW.method, NEW.kind, NEW.loan_id IS NOT NULL,
            1, NEW.amount)
    ON CONFLICT ({KEY}) DO UPDATE
        SET lines = relief_ledgermonth.lines + 1,
            amount = relief_ledgermonth.amount + EXCLUDED.amount;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

DELETE FROM relief_ledgermonth;
INSERT INTO relief_ledgermonth ({KEY}, lines, amount)
    SELECT extract(year FROM paid_on), extract(month FROM paid_on), union_id, programme_id,
           fund_id, method, kind, loan_id IS NOT NULL, count(*), sum(amount)
    FROM relief_disbursement
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;

CREATE TRIGGER relief_ledger_month AFTER INSERT ON relief_disbursement
    FOR EACH ROW EXECUTE FUNCTION relief_ledger_month_add();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS relief_ledger_month ON relief_disbursement;
DROP FUNCTION IF EXISTS relief_ledger_month_add();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("relief", "0004_relief_requests_from_free_text")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
