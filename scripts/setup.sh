#!/usr/bin/env bash
# Set up everything 数据大脑 needs, idempotently.
#   scripts/setup.sh          Python 3.11 venv (.venv) with the pinned packages
#   scripts/setup.sh --test   also test packages and, when run as root, the Debian packages the
#                             browser tests need (chromium, chromium-driver, fonts-noto-cjk)
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

# --- Debian packages (browser tests: Chromium + CJK fonts) ---------------------------------
if [ "$want_test" = 1 ]; then
  missing=()
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
  [ -d /usr/share/fonts/opentype/noto ] && ls /usr/share/fonts/opentype/noto | grep -q CJK || missing+=(fonts-noto-cjk)
  if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
      echo "==> apt-get install ${missing[*]}"
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq
      apt-get install -y -qq "${missing[@]}" >/dev/null
    else
      echo "!! missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})" >&2
      exit 1
    fi
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
