"""bin/install_system_packages.sh: `make run` and `make test` install the operating-system packages
they need when they can do it without a question, and otherwise stop with the exact command.

The script runs for real against fake dpkg-query, apt-get, sudo and id placed first on PATH; each
fake writes its arguments to a log, so the tests assert what would have been run on the machine.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "bin" / "install_system_packages.sh"

PDF = ["libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "fonts-noto-cjk", "fontconfig"]
TEST = [*PDF, "poppler-utils", "gettext", "postgresql-client", "libatomic1", "chromium"]
DEBIAN_12 = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n'
UBUNTU_24_04 = 'NAME="Ubuntu"\nVERSION_ID="24.04"\nID=ubuntu\nID_LIKE=debian\n'

FAKES = {
    # Installed when listed in $FAKE_DIR/installed, one package a line.
    "dpkg-query": """
        echo "dpkg-query $*" >> "$FAKE_DIR/log"
        package="${@: -1}"
        grep -qx "$package" "$FAKE_DIR/installed" || exit 1
        printf 'install ok installed'
    """,
    "apt-get": """
        echo "apt-get DEBIAN_FRONTEND=${DEBIAN_FRONTEND:-} $*" >> "$FAKE_DIR/log"
        if [ "$1" = install ]; then
          for argument in "$@"; do
            case "$argument" in -*|install) ;; *) echo "$argument" >> "$FAKE_DIR/installed" ;; esac
          done
        fi
    """,
    # `sudo -n true` succeeds only when $FAKE_DIR/sudo-without-password exists.
    "sudo": """
        echo "sudo $*" >> "$FAKE_DIR/log"
        [ "$1" = -n ] && shift
        if [ "$*" = true ]; then [ -e "$FAKE_DIR/sudo-without-password" ]; exit; fi
        exec "$@"
    """,
    "id": 'echo "${FAKE_UID:-0}"',
    "playwright": 'echo "playwright $*" >> "$FAKE_DIR/log"',
    # A Python without ensurepip (Debian before python3.X-venv is installed).
    "python-without-venv": f"""
        case "$*" in *ensurepip*) exit 1 ;; esac
        exec {sys.executable} "$@"
    """,
}


class Machine:
    """A temporary directory with the fake commands, the installed packages and the log."""

    def __init__(self, directory: Path, *, os_release: str, installed: list[str]):
        self.dir = directory
        (directory / "bin").mkdir()
        for name, body in FAKES.items():
            fake = directory / "bin" / name
            fake.write_text("#!/bin/bash\n" + body)
            fake.chmod(0o755)
        (directory / "os-release").write_text(os_release)
        (directory / "installed").write_text("".join(f"{p}\n" for p in installed))
        (directory / "log").write_text("")
        self.uid = 0

    def allow_sudo_without_password(self) -> None:
        (self.dir / "sudo-without-password").touch()

    def run(self, purpose: str, **env: str) -> subprocess.CompletedProcess:
        environment = {
            "PATH": f"{self.dir / 'bin'}:/usr/bin:/bin",
            "FAKE_DIR": str(self.dir),
            "FAKE_UID": str(self.uid),
            "OS_RELEASE": str(self.dir / "os-release"),
            "PLAYWRIGHT": str(self.dir / "bin" / "playwright"),
            **env,
        }
        return subprocess.run(
            ["/bin/bash", str(SCRIPT), purpose],
            env=environment,
            capture_output=True,
            text=True,
            check=False,
        )

    def calls(self, command: str) -> list[str]:
        lines = (self.dir / "log").read_text().splitlines()
        return [line for line in lines if line.split()[0] == command]

    def installed(self) -> list[str]:
        return (self.dir / "installed").read_text().split()


@pytest.fixture
def debian(tmp_path):
    return Machine(tmp_path, os_release=DEBIAN_12, installed=[])


def test_all_present_installs_nothing(tmp_path):
    machine = Machine(tmp_path, os_release=DEBIAN_12, installed=TEST)

    result = machine.run("test")

    assert result.returncode == 0
    assert result.stdout == "system packages for make test: all present\n"
    assert [call.split()[-1] for call in machine.calls("dpkg-query")] == TEST
    assert machine.calls("apt-get") == []


def test_run_asks_only_for_what_pdfs_need(tmp_path):
    machine = Machine(tmp_path, os_release=DEBIAN_12, installed=PDF)

    result = machine.run("run")

    assert result.returncode == 0
    assert result.stdout == "system packages for make run: all present\n"
    assert [call.split()[-1] for call in machine.calls("dpkg-query")] == PDF


def test_missing_packages_are_installed_as_root(tmp_path):
    machine = Machine(tmp_path, os_release=DEBIAN_12, installed=PDF)

    result = machine.run("test")

    assert result.returncode == 0, result.stderr
    missing = "poppler-utils gettext postgresql-client libatomic1 chromium"
    assert f"installing system packages for make test (apt-get): {missing}" in result.stdout
    assert machine.calls("apt-get") == [
        "apt-get DEBIAN_FRONTEND=noninteractive update -qq",
        "apt-get DEBIAN_FRONTEND=noninteractive install -y -qq --no-install-recommends " + missing,
    ]
    assert machine.calls("sudo") == []
    assert sorted(machine.installed()) == sorted(TEST)


def test_missing_packages_are_installed_through_sudo_without_a_password(debian):
    debian.uid = 1000
    debian.allow_sudo_without_password()

    result = debian.run("run")

    assert result.returncode == 0, result.stderr
    assert "(apt-get through sudo): " + " ".join(PDF) in result.stdout
    assert debian.calls("sudo") == [
        "sudo -n true",
        "sudo -n env DEBIAN_FRONTEND=noninteractive apt-get update -qq",
        "sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "
        "--no-install-recommends " + " ".join(PDF),
    ]
    assert sorted(debian.installed()) == sorted(PDF)


def test_not_root_and_sudo_would_ask_stops_with_the_command(debian):
    debian.uid = 1000

    result = debian.run("run")

    assert result.returncode == 1
    assert result.stdout == (
        f"missing system packages for make run: {' '.join(PDF)}\n"
        "Installing them needs root. Run this, then the same make command again:\n"
        "  sudo apt-get update && sudo apt-get install -y --no-install-recommends "
        f"{' '.join(PDF)}\n"
    )
    assert debian.calls("sudo") == ["sudo -n true"]
    assert debian.calls("apt-get") == []
    assert debian.installed() == []


def test_a_python_without_venv_gets_its_own_venv_package(debian):
    result = debian.run("venv", PYTHON=str(debian.dir / "bin" / "python-without-venv"))

    venv_package = f"python3.{sys.version_info.minor}-venv"
    assert result.returncode == 0, result.stderr
    assert f"installing system packages for make venv (apt-get): {venv_package}" in result.stdout
    assert debian.installed() == [venv_package]


def test_a_python_with_venv_needs_nothing(debian):
    result = debian.run("venv", PYTHON=sys.executable)

    assert (result.returncode, result.stdout) == (0, "")
    assert debian.calls("dpkg-query") == []


def test_ubuntu_gets_playwrights_chromium_instead_of_the_snap(tmp_path):
    machine = Machine(tmp_path, os_release=UBUNTU_24_04, installed=PDF)

    result = machine.run("test")

    assert result.returncode == 0, result.stderr
    installed = machine.installed()
    assert "chromium" not in installed
    assert {"libnss3", "libasound2t64", "poppler-utils", "gettext"} <= set(installed)
    assert machine.calls("playwright") == ["playwright install chromium"]


def test_another_system_is_told_what_to_install(tmp_path):
    machine = Machine(tmp_path, os_release="ID=fedora\n", installed=[])

    result = machine.run("run")

    assert result.returncode == 0
    assert "not Debian or Ubuntu" in result.stdout
    assert "fonts-noto-cjk" in result.stdout
    assert machine.calls("apt-get") == []


@pytest.mark.parametrize("target", ["run", "test"])
def test_make_installs_system_packages_before_anything_else(target):
    recipe = subprocess.run(
        ["make", "--no-print-directory", "-n", "-o", ".venv/.installed", target],
        cwd=ROOT,
        env={**os.environ, "MAKEFLAGS": ""},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()

    assert recipe[0] == f"bin/install_system_packages.sh {target}"
    assert recipe[1].endswith(f"bin/system_check.py {target}" + (" || true" * (target == "run")))


def test_make_install_asks_for_the_venv_package_before_creating_the_venv():
    recipe = subprocess.run(
        ["make", "--no-print-directory", "-n", "-B", "PYTHON=python3", ".venv/.installed"],
        cwd=ROOT,
        env={**os.environ, "MAKEFLAGS": ""},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()

    assert recipe.index("PYTHON=python3 bin/install_system_packages.sh venv") < recipe.index(
        "python3 -m venv .venv"
    )
