#!/usr/bin/env bash
# Installs the Debian packages BitLens builds and runs with. Idempotent: only
# what is missing is installed, so a second run costs one dpkg query.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config
  qt6-base-dev qt6-svg-dev libqcustomplot-dev libgl-dev
  libtorch-dev libeigen3-dev libhdf5-dev nlohmann-json3-dev zlib1g-dev
  # The graph view's layout: Graphviz's dot, linked in (core/graph/graph_layout.cpp).
  libgraphviz-dev
  # Debian's LibTorch links libblas.so.3; without OpenBLAS that is the reference BLAS, and
  # Linear layers run ~26x slower (3136->128 on 500 samples: 104 ms vs 3.9 ms). The OpenMP
  # build shares LibTorch's libgomp thread pool.
  libopenblas0-openmp
  python3-torch python3-torchvision
  # tst_export reads weights.h5 a second time with h5py + numpy, independently of core's reader.
  python3-h5py python3-numpy
  dataset-fashion-mnist
  # The demo language model's corpus (/usr/share/games/fortunes): its sidecar names it.
  fortunes fortunes-min
  xvfb xauth
  # The sanitized build and the fuzz targets (scripts/sanitize.sh, scripts/fuzz.sh): Clang with
  # AddressSanitizer, UBSan and libFuzzer.
  clang-14 libclang-rt-14-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
