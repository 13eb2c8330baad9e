#!/usr/bin/env bash
# Installs what is needed, then serves the demo workshop (SQLite, no configuration) and
# prints the phone, facilitator and big-screen URLs. Extra arguments go to `ruamkit demo`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/install.sh
exec .venv/bin/ruamkit demo "$@"
