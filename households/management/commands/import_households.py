"""Import household files from Excel:
`python manage.py import_households FILE --union CODE --user USERNAME [--register-directly]
[--dry-run]`.

The same import as the web page, under the same rules, all or nothing: it prints what it would do
(or did) and every error, and exits with status 1 when there is any error (then nothing is
saved). The import is recorded under a named staff member (--user), within that person's scope:
new families become registration applications filed by them, unless a supervisor enters files
already approved on paper (--register-directly); updates of existing files are recorded in each
file's timeline as 导入更新.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from helpcenter.models import User
from households.importing import import_households, importable_unions


class Command(BaseCommand):
    help = (
        "Import household files from an .xlsx workbook (sheets 户信息 and 家庭成员) as a named "
        "staff member. New families become registration applications (建档申请, to be surveyed, "
        "reviewed, posted and approved) unless --register-directly is given, which a supervisor "
        "alone may use to enter files already approved on paper."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .xlsx workbook")
        parser.add_argument(
            "--union",
            required=True,
            help="code of the grassroots union for rows whose 所属工会 is blank",
        )
        parser.add_argument(
            "--user",
            required=True,
            help="username of the staff member the import is recorded under (who files the "
            "applications or enters the files; their scope applies)",
        )
        parser.add_argument(
            "--register-directly",
            action="store_true",
            help="the files were approved on paper: enter new families as registered files, "
            "without the workflow (a supervisor only; recorded as 导入新建)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check and report only; save nothing"
        )

    def handle(self, *args, file: str, union: str, user: str, dry_run: bool, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        actor = User.objects.filter(username=user, is_active=True).first()
        if actor is None or not actor.has_perm("households.import_household"):
            raise CommandError(
                _("No active staff member %(user)s who may import household files.")
                % {"user": user}
            )
        target = importable_unions(actor).filter(code=union).first()
        if target is None:
            raise CommandError(
                _("No active grassroots union has the code %(code)s.") % {"code": union}
            )
        plan = import_households(
            path,
            actor=actor,
            union=target,
            source_name=path.name,
            register_directly=options["register_directly"],
            dry_run=dry_run,
        )
        counts = plan.counts
        for note in plan.notes:
            self.stdout.write(note)
        for error in plan.errors:
            self.stderr.write(str(error))
        if plan.register_directly:
            text = _(
                "%(create)d to register, %(update)d to update, %(unchanged)d unchanged, "
                "%(errors)d errors."
            )
        else:
            text = _(
                "%(create)d registration applications to file, %(update)d to update, "
                "%(unchanged)d unchanged, %(errors)d errors."
            )
        summary = text % counts
        if plan.errors:
            raise CommandError(summary + " " + _("Nothing was saved."))
        if not plan.applied:
            self.stdout.write(_("Dry run, nothing saved: %(summary)s") % {"summary": summary})
        elif plan.register_directly:
            done = _(
                "Imported: %(create)d registered, %(update)d updated, %(unchanged)d unchanged."
            )
            self.stdout.write(self.style.SUCCESS(done % counts))
        else:
            done = _(
                "Imported: %(create)d registration applications filed as drafts, %(update)d "
                "updated, %(unchanged)d unchanged."
            )
            self.stdout.write(self.style.SUCCESS(done % counts))
