#!/usr/bin/env bash
# Installs what ruamkit needs into ./.venv and ./node_modules. Safe to run again: it only
# reinstalls when pyproject.toml or package.json changed. Sourced by demo.sh and test.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }
APT_UPDATED=0
apt_install() {
  command -v apt-get >/dev/null || { echo "Please install: $*" >&2; return 1; }
  if [ "$APT_UPDATED" = 0 ]; then as_root apt-get update -qq; APT_UPDATED=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

PYTHON="${PYTHON:-python3}"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
  echo "ruamkit needs Python 3.11 or newer ($PYTHON is $("$PYTHON" --version 2>&1))." >&2; exit 1; }
if [ ! -x .venv/bin/python ]; then
  # Debian's python3 comes without venv; bring it in when we can.
  "$PYTHON" -m venv .venv 2>/dev/null || { rm -rf .venv; apt_install python3-venv && "$PYTHON" -m venv .venv; }
fi
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "Installing Python packages into .venv ..."
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e '.[test]'
  rm -f .venv/.installed-*; touch "$stamp"
fi

# WeasyPrint (the report's PDF) draws text with Debian's Pango.
if ! /sbin/ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so.0'; then
  echo "Installing Pango (for PDF reports) ..."
  apt_install libpango-1.0-0 libpangoft2-1.0-0 || echo "Could not install Pango; PDF reports will not work." >&2
fi

command -v npm >/dev/null || { echo "Installing Node.js and npm (for htmx) ..."; apt_install nodejs npm; }
nstamp="node_modules/.installed-$(cat package.json package-lock.json | sha256sum | cut -c1-16)"
if [ ! -f "$nstamp" ]; then
  echo "Installing htmx, the Sarabun font and axe-core from the npm registry ..."
  npm ci --no-audit --no-fund --loglevel=error
  touch "$nstamp"
fi
