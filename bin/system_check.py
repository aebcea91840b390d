"""Check what the operating system must provide, and say the exact command when it is missing.

`python bin/system_check.py run` warns; `python bin/system_check.py test` fails (exit 1), so a
missing font or browser is reported before the suite starts, never as a confusing failure later.
"""

import shutil
import subprocess
import sys
from pathlib import Path

INSTALL = "sudo apt-get install -y {packages}   (or: make system-deps)"
DEBIAN_CHROMIUM = Path("/usr/bin/chromium")


def pango_missing() -> bool:
    try:
        import weasyprint  # noqa: F401  (loads Pango through cffi)
    except OSError:
        return True
    return False


def cjk_font_missing() -> bool:
    if not shutil.which("fc-list"):
        return True
    fonts = subprocess.run(  # noqa: S603
        [shutil.which("fc-list"), ":lang=zh"], capture_output=True, text=True, check=False
    )
    return not fonts.stdout.strip()


def chromium_missing() -> bool:
    """Debian's Chromium, or elsewhere (Ubuntu has a snap only) what `playwright install` got."""
    if DEBIAN_CHROMIUM.exists():
        return False
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        return not Path(playwright.chromium.executable_path).exists()


CHECKS = {
    "run": [
        (
            "Pango (WeasyPrint PDFs)",
            pango_missing,
            "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0",
        ),
        ("a Chinese font (PDFs)", cjk_font_missing, "fonts-noto-cjk fontconfig"),
    ],
}
CHECKS["test"] = [
    *CHECKS["run"],
    (
        "Chromium (browser tests; Ubuntu: .venv/bin/playwright install --with-deps chromium)",
        chromium_missing,
        "chromium",
    ),
]


def main(purpose: str) -> int:
    problems = [(what, packages) for what, missing, packages in CHECKS[purpose] if missing()]
    for what, packages in problems:
        print(f"missing: {what} — install with: {INSTALL.format(packages=packages)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "test"))
