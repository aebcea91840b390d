"""The part of the file cards' printing that runs in the processes started for it
(reports.builders.file_cards.print_cards): WeasyPrint only, no Django and no database.

The processes are spawned, not forked. A forked process inherits the worker's open sockets
(PostgreSQL, Redis) and what runs at exit: CI caught one waiting on such a socket forever as it
ended, a build that never ends. And the worker has threads (the job's heartbeat writes to the
database every few seconds): a process forked while another thread holds a lock can wait for
it forever too. A spawned process starts clean and imports only this module and WeasyPrint
(about a second, once per process and build)."""

import contextlib
import ctypes
import os
import signal
from collections.abc import Iterable

_printer: tuple | None = None  # (stylesheet, its modification time, fonts, parsed CSS)


def child_start() -> None:
    """In each started process: end with the worker that started it (Linux), and leave Ctrl-C
    to the worker, which stops the processes itself."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(OSError, AttributeError):  # PR_SET_PDEATHSIG: not Linux
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)


def lay_out(cards: Iterable[str], stylesheet: str):
    """One WeasyPrint document of `cards` (their HTML), each laid out on its own (its own page
    numbers). The stylesheet is parsed once per process (and again when the file changes)."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    global _printer
    changed = os.stat(stylesheet).st_mtime
    if _printer is None or _printer[:2] != (stylesheet, changed):
        fonts = FontConfiguration()
        _printer = (stylesheet, changed, fonts, CSS(filename=stylesheet, font_config=fonts))
    fonts, style = _printer[2:]
    first, pages = None, []
    for html in cards:
        document = HTML(string=html).render(stylesheets=[style], font_config=fonts)
        first = first or document
        pages.extend(document.pages)
    return first.copy(pages)


def print_chunk(cards: list[str], path: str, stylesheet: str) -> None:
    """Cards into the PDF file `path`."""
    lay_out(cards, stylesheet).write_pdf(path)
