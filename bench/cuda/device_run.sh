#!/bin/bash
# One device call: build libsparsa_runtime (MLIR-free) with g++, check every
# compiled kernel against the float64 reference, then benchmark.
#   bash bench/cuda/device_run.sh check|bench|all [bench args...]
set -o pipefail
mode=${1:-all}; shift
OUT=${OUT:-/tmp/sparsa-out}; mkdir -p "$OUT"
bash bench/cuda/build_runtime.sh /tmp/libsparsa_runtime.so || exit 1
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm \
    --format=csv,noheader
export PYTHONUNBUFFERED=1
if [ "$mode" = check ] || [ "$mode" = all ]; then
  python3 bench/cuda/check.py --lib /tmp/libsparsa_runtime.so 2>&1 \
      | tee "$OUT/check.log" | grep -v "^PASS"
fi
if [ "$mode" = bench ] || [ "$mode" = all ]; then
  python3 bench/cuda/bench.py --lib /tmp/libsparsa_runtime.so "$@" 2>&1 \
      | tee -a "$OUT/bench.log"
fi
