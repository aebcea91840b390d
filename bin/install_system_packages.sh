#!/usr/bin/env bash
# Installs what helpcenter needs from the operating system, for one purpose:
#   venv  Python's venv module (python3.X-venv) for the interpreter in $PYTHON
#   run   Pango and HarfBuzz for WeasyPrint's PDFs, and a CJK font so Chinese never prints as boxes
#   test  all of run, poppler-utils to look at PDFs, gettext for translations, Chromium for the
#         browser tests (and libatomic1 for Playwright), and postgresql-client (pg_dump,
#         pg_restore, psql) for backup / restore
# `make run`, `make test` and `make install` call it; so does .ci/run (purpose test).
#
# What is missing is installed with apt-get when that can happen without a question: as root, or
# through sudo without a password (`sudo -n true` tells). Otherwise it prints the exact command and
# stops (exit 1). Debian 12 and Ubuntu 24.04, read from /etc/os-release. Ubuntu ships Chromium
# only as a snap, which Playwright cannot drive; there the script installs the libraries
# Playwright's own Chromium needs and downloads that browser with `playwright install chromium`.
#
# The commands come from PATH and the paths from the environment (OS_RELEASE, PLAYWRIGHT), so
# tests/test_system_packages.py runs it with fake dpkg-query, apt-get, sudo and id.
set -euo pipefail

purpose="${1:-test}"
os_release="${OS_RELEASE:-/etc/os-release}"
playwright="${PLAYWRIGHT:-$(dirname "$0")/../.venv/bin/playwright}"

pdf=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk fontconfig)
# libatomic1: Playwright's own node driver loads it (a minimal Debian 12 lacks it).
tools=(poppler-utils gettext postgresql-client libatomic1)
# The libraries Playwright's Chromium loads on Ubuntu 24.04 (Playwright's nativeDeps.ts).
playwright_chromium_libraries=(libasound2t64 libatk-bridge2.0-0t64 libatk1.0-0t64
  libatspi2.0-0t64 libcairo2 libcups2t64 libdbus-1-3 libdrm2 libgbm1 libglib2.0-0t64 libnspr4
  libnss3 libx11-6 libxcb1 libxcomposite1 libxdamage1 libxext6 libxfixes3 libxkbcommon0 libxrandr2)

distribution() {
  [ -r "$os_release" ] || { echo unknown; return; }
  local ID="" ID_LIKE=""
  # shellcheck disable=SC1090
  . "$os_release"
  case " $ID $ID_LIKE " in
    *" ubuntu "*) echo ubuntu ;;
    *" debian "*) echo debian ;;
    *) echo unknown ;;
  esac
}
distro="$(distribution)"

case "$purpose" in
  venv)
    python="${PYTHON:-python3}"
    if "$python" -c 'import ensurepip, venv' 2>/dev/null; then exit 0; fi
    wanted=("$("$python" -c 'import sys; print("python3.%d-venv" % sys.version_info[1])')")
    ;;
  run) wanted=("${pdf[@]}") ;;
  test)
    if [ "$distro" = ubuntu ]; then
      wanted=("${pdf[@]}" "${tools[@]}" "${playwright_chromium_libraries[@]}")
    else
      wanted=("${pdf[@]}" "${tools[@]}" chromium)
    fi
    ;;
  *) echo "usage: $0 venv|run|test" >&2; exit 2 ;;
esac

if [ "$distro" = unknown ] || ! command -v dpkg-query >/dev/null || ! command -v apt-get >/dev/null; then
  if [ "$purpose" = venv ]; then
    echo "Python's venv module is missing; install it for ${PYTHON:-python3} (Debian and Ubuntu: ${wanted[*]})."
    exit 1
  fi
  # bin/system_check.py then checks what matters (Pango, a Chinese font, Chromium) by trying it.
  echo "system packages: not Debian or Ubuntu; install the equivalents of: ${wanted[*]}"
  exit 0
fi

missing=()
for package in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

download_playwright_chromium() {
  [ "$purpose" = test ] && [ "$distro" = ubuntu ] || return 0
  if [ -x "$playwright" ]; then
    "$playwright" install chromium
  else
    echo "Chromium: \`make test\` downloads Playwright's Chromium once .venv exists."
  fi
}

if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages for make $purpose: all present"
  download_playwright_chromium
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "missing system packages for make $purpose: ${missing[*]}"
  echo "Installing them needs root. Run this, then the same make command again:"
  echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}"
  exit 1
fi

echo "installing system packages for make $purpose (apt-get${as_root:+ through sudo}): ${missing[*]}"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
download_playwright_chromium
