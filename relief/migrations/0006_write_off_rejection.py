"""A write-off proposal can be rejected (with a reason) and a loan proposed again: the proposal
gets a state, who rejected it and why; a loan keeps at most one proposal not rejected. Proposals
already approved are marked approved."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def mark_approved(apps, schema_editor):
    WriteOff = apps.get_model("relief", "WriteOff")
    WriteOff.objects.filter(approved_by__isnull=False).update(state="approved")


class Migration(migrations.Migration):
    dependencies = [
        ("relief", "0005_ledger_months"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="writeoff",
            options={
                "ordering": ["-proposed_at", "-id"],
                "verbose_name": "write-off",
                "verbose_name_plural": "write-offs",
            },
        ),
        migrations.AddField(
            model_name="writeoff",
            name="rejected_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="writeoff",
            name="rejected_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="writeoff",
            name="rejection_reason",
            field=models.TextField(blank=True, verbose_name="reason for rejection"),
        ),
        migrations.AddField(
            model_name="writeoff",
            name="state",
            field=models.CharField(
                choices=[
                    ("proposed", "Proposed"),
                    ("approved", "Approved"),
                    ("rejected", "Rejected"),
                ],
                default="proposed",
                max_length=10,
                verbose_name="state",
            ),
        ),
        migrations.RunPython(mark_approved, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="writeoff",
            name="loan",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="write_offs",
                to="relief.loan",
            ),
        ),
        migrations.AddConstraint(
            model_name="writeoff",
            constraint=models.CheckConstraint(
                condition=models.Q(("rejected_by", models.F("proposed_by")), _negated=True),
                name="write_off_reject_four_eyes",
            ),
        ),
        migrations.AddConstraint(
            model_name="writeoff",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("approved_by__isnull", True),
                        ("rejected_by__isnull", True),
                        ("state", "proposed"),
                    ),
                    models.Q(
                        ("approved_by__isnull", False),
                        ("rejected_by__isnull", True),
                        ("state", "approved"),
                    ),
                    models.Q(
                        ("approved_by__isnull", True),
                        ("rejected_by__isnull", False),
                        ("state", "rejected"),
                    ),
                    _connector="OR",
                ),
                name="write_off_state_matches",
            ),
        ),
        migrations.AddConstraint(
            model_name="writeoff",
            constraint=models.UniqueConstraint(
                condition=models.Q(("state", "rejected"), _negated=True),
                fields=("loan",),
                name="write_off_one_standing_per_loan",
            ),
        ),
    ]
