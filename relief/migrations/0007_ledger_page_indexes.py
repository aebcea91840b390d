"""Indexes for the ledger page at a million lines (docs/benchmarks.md, "The ledger"): a grassroots
user's lines newest first on (union, paid_on, id) without sorting a day's lines, and the
reversals (one line in fifty) newest first on (kind, paid_on, id) instead of reading fifty lines
for each one shown."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("relief", "0006_write_off_rejection")]

    operations = [
        migrations.RemoveIndex(model_name="disbursement", name="relief_disb_union_i_436c17_idx"),
        migrations.AddIndex(
            model_name="disbursement",
            index=models.Index(
                fields=["union", "paid_on", "id"], name="relief_disb_union_i_f8f973_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="disbursement",
            index=models.Index(
                fields=["kind", "paid_on", "id"], name="relief_disb_kind_598864_idx"
            ),
        ),
    ]
