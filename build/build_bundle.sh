#!/usr/bin/env bash
# Build the onedir bundle for this OS with PyInstaller and print its size.
#
#     build/build_bundle.sh                  # uses $PYTHON, else .venv/bin/python, else python3
#
# Needs the app's dependencies plus the "package" extra in that Python
# (pip install -e '.[package]', and '.[qt,package]' on Linux). Output: dist/otj-desktop/
# (and "dist/OTJ Desktop.app" on macOS); PyInstaller's scratch files go to .build-work/.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${PYTHON:-}" ]; then
  if [ -x .venv/bin/python ]; then PYTHON=.venv/bin/python
  elif [ -x .venv/Scripts/python.exe ]; then PYTHON=.venv/Scripts/python.exe
  else PYTHON=python3
  fi
fi

started=$(date +%s)
"$PYTHON" -m PyInstaller installer.spec --noconfirm --log-level WARN \
  --workpath .build-work --distpath dist
echo "Bundle built in $(( $(date +%s) - started )) s: $(du -sh dist/otj-desktop | cut -f1) in dist/otj-desktop"
