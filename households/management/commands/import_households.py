"""Import household files from Excel: `python manage.py import_households FILE --union CODE
[--dry-run]`.

The same import as the web page, all or nothing: it prints what it would do (or did) and every
error, and exits with status 1 when there is any error (then nothing is saved). Changes are
recorded in each file's timeline without a staff member (the command is run by an operator).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from households.importing import import_households, importable_unions


class Command(BaseCommand):
    help = "Import household files from an .xlsx workbook (sheets 户信息 and 家庭成员)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .xlsx workbook")
        parser.add_argument(
            "--union",
            required=True,
            help="code of the grassroots union for rows whose 所属工会 is blank",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check and report only; save nothing"
        )

    def handle(self, *args, file: str, union: str, dry_run: bool, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        target = importable_unions(None).filter(code=union).first()
        if target is None:
            raise CommandError(
                _("No active grassroots union has the code %(code)s.") % {"code": union}
            )
        plan = import_households(
            path, actor=None, union=target, source_name=path.name, dry_run=dry_run
        )
        counts = plan.counts
        for note in plan.notes:
            self.stdout.write(note)
        for error in plan.errors:
            self.stderr.write(str(error))
        summary = (
            _(
                "%(create)d to register, %(update)d to update, %(unchanged)d unchanged, "
                "%(errors)d errors."
            )
            % counts
        )
        if plan.errors:
            raise CommandError(summary + " " + _("Nothing was saved."))
        if plan.applied:
            done = (
                _("Imported: %(create)d registered, %(update)d updated, %(unchanged)d unchanged.")
                % counts
            )
            self.stdout.write(self.style.SUCCESS(done))
        else:
            self.stdout.write(_("Dry run, nothing saved: %(summary)s") % {"summary": summary})
