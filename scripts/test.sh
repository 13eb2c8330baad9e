#!/usr/bin/env bash
# Installs what is needed (Python packages, htmx, Chromium and Thai fonts for the browser
# tests), then runs the whole test suite. Extra arguments go to pytest.
# RUAMKIT_REQUIRE_SERVICES=1 (set by .ci/run) turns "no Chromium/PostgreSQL/Redis" skips into failures.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/install.sh
if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi 'tlwg\|thai'; then
  echo "Installing Chromium and Thai fonts for the browser tests ..."
  apt_install chromium fonts-thai-tlwg || echo "Could not install Chromium; browser tests will skip." >&2
fi
if ! command -v pdftotext >/dev/null; then
  echo "Installing poppler-utils (pdftotext) for the PDF report test ..."
  apt_install poppler-utils || echo "Could not install poppler-utils; the PDF test will skip." >&2
fi
if ! command -v redis-server >/dev/null || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  # tests/faults/test_real_services.py starts (and stops) a Redis and a PostgreSQL of its own.
  echo "Installing redis-server and PostgreSQL's server programs for the fault tests ..."
  apt_install redis-server postgresql || echo "Could not install them; those fault tests will skip." >&2
fi
if [ ! -x /usr/sbin/nginx ]; then
  # tests/proxy/test_reverse_proxy.py runs README's nginx configuration in front of two workers.
  echo "Installing nginx for the reverse proxy test ..."
  apt_install nginx || echo "Could not install nginx; the reverse proxy test will skip." >&2
fi
# Static checks on app/ first, with the rules in pyproject.toml: ruff's lint, then mypy's types.
# Either one's findings fail this script (set -e) before any test runs.
.venv/bin/ruff check app
.venv/bin/mypy app
# pytest exits 5 when it collects no test: that fails this script like any other failure.
.venv/bin/python -m pytest "$@"
