"""The ledger is append-only, enforced by PostgreSQL itself: UPDATE and DELETE of a line and
TRUNCATE of the table are refused by triggers, and no line may be dated in a closed month.

TRUNCATE is let through only where the session says so (`SET helpcenter.allow_ledger_truncate =
'on'`): the test suite's teardown empties every table that way. Nothing in the product sets it.
On SQLite (the demo) these guards do not exist; the services are the only writers there.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION relief_ledger_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'relief_disbursement is append-only: % refused (a mistake is corrected by a reversal line)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION relief_ledger_refuse_truncate() RETURNS trigger AS $$
BEGIN
    IF coalesce(current_setting('helpcenter.allow_ledger_truncate', true), '') = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'relief_disbursement is append-only: TRUNCATE refused'
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION relief_ledger_refuse_closed_month() RETURNS trigger AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM relief_closedmonth
        WHERE year = extract(year FROM NEW.paid_on) AND month = extract(month FROM NEW.paid_on)
    ) THEN
        RAISE EXCEPTION 'ledger line dated % falls in a closed month', NEW.paid_on
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER relief_ledger_no_update BEFORE UPDATE OR DELETE ON relief_disbursement
    FOR EACH ROW EXECUTE FUNCTION relief_ledger_refuse_change();
CREATE TRIGGER relief_ledger_no_truncate BEFORE TRUNCATE ON relief_disbursement
    FOR EACH STATEMENT EXECUTE FUNCTION relief_ledger_refuse_truncate();
CREATE TRIGGER relief_ledger_open_month BEFORE INSERT ON relief_disbursement
    FOR EACH ROW EXECUTE FUNCTION relief_ledger_refuse_closed_month();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS relief_ledger_open_month ON relief_disbursement;
DROP TRIGGER IF EXISTS relief_ledger_no_truncate ON relief_disbursement;
DROP TRIGGER IF EXISTS relief_ledger_no_update ON relief_disbursement;
DROP FUNCTION IF EXISTS relief_ledger_refuse_closed_month();
DROP FUNCTION IF EXISTS relief_ledger_refuse_truncate();
DROP FUNCTION IF EXISTS relief_ledger_refuse_change();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("relief", "0001_initial")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
