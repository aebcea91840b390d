#!/usr/bin/env bash
# Installs what helpcenter needs from the operating system (Debian 12 or Ubuntu 22.04+):
# Pango and HarfBuzz for WeasyPrint's PDFs, a CJK font so Chinese never prints as boxes,
# poppler-utils to look at PDFs, gettext for translations, and Chromium for the browser tests.
set -euo pipefail
packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk fontconfig
          poppler-utils gettext chromium)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "run as root: apt-get install -y ${missing[*]}"; exit 1; }
  sudo="sudo"
fi
echo "installing system packages: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
