"""Build a report of the catalogue into a file, with the same builder the background job uses:
for scripts and cron. Without a person asking, the report is the county's (or --union's) and
resident IDs are masked."""

import os
import sys
import tempfile
import time

from django.core.management.base import BaseCommand, CommandError

from helpcenter.models import Union
from reports.catalogue import KINDS, Period, ReportError, ReportSpec


def _catalogue() -> str:
    lines = []
    for kind in KINDS.values():
        period = "--period" if kind.needs_period else "no period"
        lines.append(f"  {kind.code}: {kind.label} ({', '.join(kind.formats)}; {period})")
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Build a report (月报/季报/年报, 台账, 档案卡 …) into a file."

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.epilog = "KIND is one of:\n" + _catalogue()
        from argparse import RawDescriptionHelpFormatter

        parser.formatter_class = RawDescriptionHelpFormatter
        return parser

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(KINDS), metavar="KIND")
        parser.add_argument("--period", default="", help="2026, 2026-Q3 or 2026-07")
        parser.add_argument("--format", required=True, choices=["pdf", "xlsx", "csv"])
        parser.add_argument("--union", default="", help="a union's code (default: the county)")
        parser.add_argument("--out", required=True, help="the file to write")
        parser.add_argument(
            "--household", type=int, action="append", default=[], help="file_cards: a household id"
        )
        parser.add_argument("--notice", type=int, help="notice: the notice's id")
        parser.add_argument("--sheet", type=int, help="bank_sheet: the sheet's id")
        parser.add_argument("--part", choices=["sheet", "summary"], default="sheet")

    def handle(self, *args, **options):
        kind = KINDS[options["kind"]]
        if options["format"] not in kind.formats:
            raise CommandError(f"{kind.code} comes as {', '.join(kind.formats)}")
        period = None
        if kind.needs_period:
            try:
                period = Period.parse(options["period"])
            except ValueError as exc:
                raise CommandError(str(exc)) from None
        union = None
        if options["union"]:
            union = Union.objects.filter(code=options["union"]).first()
            if union is None:
                raise CommandError(f"no union has the code {options['union']}")
            if union.parent_id is None:
                union = None
        params: dict = {}
        if options["household"]:
            params["households"] = options["household"]
        if options["notice"]:
            params["notice"] = options["notice"]
        if options["sheet"]:
            params["sheet"] = options["sheet"]
            params["part"] = options["part"]
        spec = ReportSpec(
            kind=kind.code, format=options["format"], period=period, union=union, params=params
        )
        out = os.path.abspath(options["out"])
        started = time.monotonic()

        def progress(done: int, total: int, stage: str = "") -> None:
            if options["verbosity"] > 1 and total:
                sys.stderr.write(f"\r{stage} {done}/{total}")

        # Written beside the target and renamed when complete: never a half-written file.
        fd, scratch = tempfile.mkstemp(dir=os.path.dirname(out) or ".", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as stream:
                kind.build(spec, stream, progress)
            os.replace(scratch, out)
        except ReportError as exc:
            raise CommandError(str(exc)) from None
        finally:
            if os.path.exists(scratch):
                os.unlink(scratch)
        self.stdout.write(
            f"{out} ({os.path.getsize(out):,} bytes) in {time.monotonic() - started:.1f} s"
        )
