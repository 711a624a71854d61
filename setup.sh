#!/usr/bin/env bash
# One command for everything a new machine needs.
#   ./setup.sh demo   install, then build the demo atlas into build/
#   ./setup.sh test   install, then run the test suite (what CI runs)
#   ./setup.sh        install only
# Installs the Debian/Ubuntu packages WeasyPrint and the tests need (with apt-get, as
# root or through sudo), makes a virtual environment in .venv and installs atlas in it.
set -euo pipefail
cd "$(dirname "$0")"

SYSTEM_PACKAGES=(
  python3-venv          # virtual environments
  libpango-1.0-0        # WeasyPrint's text layout
  libpangoft2-1.0-0
  libharfbuzz0b
  libharfbuzz-subset0   # WeasyPrint's font subsetting
  fonts-dejavu-core     # the pinned font of the PDF
  poppler-utils         # pdftoppm and pdftotext: PDF pages as images and text
)
TEST_PACKAGES=(
  chromium              # the tests open the website in a real headless browser
  gdal-bin              # ogrinfo: the tests check that GDAL reads every GIS file
)
PYTHON=${PYTHON:-python3}

install_system_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null; then
    echo "Install these system packages with your package manager, then run again:" >&2
    echo "  ${missing[*]}" >&2
    exit 1
  fi
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  echo "Installing system packages: ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}"
}

install_python_packages() {
  if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
  fi
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e '.[test]'
}

if [ "${1:-}" = test ]; then
  install_system_packages "${SYSTEM_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
else
  install_system_packages "${SYSTEM_PACKAGES[@]}"
fi
install_python_packages

case "${1:-}" in
  demo) shift; .venv/bin/atlas demo "$@" ;;
  test) shift; .venv/bin/python -m pytest "$@" ;;
  "") echo "Installed. Enter the environment with: source .venv/bin/activate" ;;
  *) echo "usage: ./setup.sh [demo|test] [arguments]" >&2; exit 2 ;;
esac
