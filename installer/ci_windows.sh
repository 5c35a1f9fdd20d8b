#!/usr/bin/env bash
# The Windows part of CI, called by .ci/run after the Linux steps: build the Windows bundle and
# SoTreEm-Setup-<version>.exe under Wine (installer/build_windows.py), then smoke-test them under
# Wine (tests/e2e/test_windows_bundle.py). Prints the time of each step. See docs/installer.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
PY=${PYTHON:-.venv/bin/python}
step() { echo "Windows CI: $1 — $(($SECONDS - $2)) s"; }

# Wine (64-bit for the app, 32-bit for Inno Setup's ISCC.exe), when missing.
started=$SECONDS
need=()
for pkg in wine wine64 wine32:i386; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  dpkg --print-foreign-architectures | grep -qx i386 || dpkg --add-architecture i386
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
command -v npm >/dev/null || apt-get install -y -qq --no-install-recommends npm >/dev/null
step "Wine installed" "$started"

started=$SECONDS
"$PY" installer/build_windows.py
step "bundle and setup built" "$started"

version=$("$PY" -c 'import tomllib; print(tomllib.load(open("pyproject.toml","rb"))["project"]["version"])')
started=$SECONDS
SOTREEM_WIN_BUNDLE_DIR=dist/windows/SoTreEm SOTREEM_WIN_SETUP="dist/SoTreEm-Setup-$version.exe" \
  "$PY" -m pytest -p no:cacheprovider -v tests/e2e/test_windows_bundle.py
step "smoke tests under Wine" "$started"
