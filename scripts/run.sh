#!/usr/bin/env bash
# Installs what is missing, builds, and opens BitLens. Without arguments it opens the residual
# demo model on Debian's Fashion-MNIST; arguments go to bitlens (MODEL, --data PATH, --calib N).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
  echo "run.sh: no display; on a headless machine run: xvfb-run -a -s '-screen 0 1600x1000x24' scripts/run.sh" >&2
  exit 1
fi
exec build/app/gui/bitlens "$@"
