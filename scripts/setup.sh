#!/usr/bin/env bash
# Set up everything 数据大脑 needs, idempotently.
#   scripts/setup.sh          Python 3.11 venv (.venv) with the pinned packages
#   scripts/setup.sh --test   also test packages and, when run as root, the Debian packages the
#                             browser and report tests need (chromium, chromium-driver,
#                             poppler-utils, postgresql, nginx-light, redis-server,
#                             openjdk-17-jre-headless); both install
#                             Pango and fonts-noto-cjk
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

# --- Debian packages ------------------------------------------------------------------------
# The app renders PDF reports with weasyprint: Pango and the Noto CJK fonts (always).
# The tests also drive Chromium and read PDFs back with poppler (pdftotext, pdftoppm).
missing=()
has_lib() { ldconfig -p 2>/dev/null | grep -q "$1"; }
has_lib libpango-1.0.so.0 || missing+=(libpango-1.0-0)
has_lib libpangoft2-1.0.so.0 || missing+=(libpangoft2-1.0-0)
{ [ -d /usr/share/fonts/opentype/noto ] && ls /usr/share/fonts/opentype/noto | grep -q CJK; } || missing+=(fonts-noto-cjk)
if [ "$want_test" = 1 ]; then
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
  command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
  # the operational store's tests run against a real PostgreSQL server they start themselves
  { command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; } || missing+=(postgresql)
  # the multi-node deployment test runs nginx and Redis in front of and beside two app instances
  { command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; } || missing+=(nginx-light)
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  # the Spark engine's equality test runs Spark in local mode on Java 17
  command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
fi
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "==> apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
  elif [ "$want_test" = 1 ]; then
    echo "!! missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})" >&2
    exit 1
  else
    echo "!! PDF reports need: ${missing[*]} (sudo apt-get install ${missing[*]}); the app runs without them" >&2
  fi
fi

# --- Python 3.11 virtual environment ----------------------------------------------------------
PY=""
for candidate in python3.11 python3; do
  if command -v "$candidate" >/dev/null 2>&1 &&
     "$candidate" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)'; then
    PY=$candidate; break
  fi
done
[ -n "$PY" ] || { echo "!! Python 3.11 is required" >&2; exit 1; }
[ -x .venv/bin/python ] || "$PY" -m venv .venv

extras=""
[ "$want_test" = 1 ] && extras="[test]"
stamp=".venv/.databrain-installed${extras}"
digest=$(cat pyproject.toml requirements.lock | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
  echo "==> pip install -e .${extras} (pinned by requirements.lock)"
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install -q --disable-pip-version-check -c requirements.lock -e ".${extras}"
  echo "$digest" > "$stamp"
fi
