#!/bin/bash
# One device call: build the driver-API runtime, check every compiled
# kernel against the float64 reference, then benchmark.
#   bash bench/cuda/device_run.sh check|bench|all [bench args...]
set -o pipefail
mode=${1:-all}; shift
OUT=${OUT:-/tmp/sparsa-out}; mkdir -p "$OUT"
g++ -O2 -std=c++17 -shared -fPIC -I. lib/Runtime/CUDARuntime.cpp \
    lib/Runtime/KernelMetadata.cpp \
    -o /tmp/libsparsa_cuda.so -ldl || exit 1
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm \
    --format=csv,noheader
export PYTHONUNBUFFERED=1
if [ "$mode" = check ] || [ "$mode" = all ]; then
  python3 bench/cuda/check.py --lib /tmp/libsparsa_cuda.so 2>&1 \
      | tee "$OUT/check.log" | grep -v "^PASS"
fi
if [ "$mode" = bench ] || [ "$mode" = all ]; then
  python3 bench/cuda/bench.py --lib /tmp/libsparsa_cuda.so "$@" 2>&1 \
      | tee -a "$OUT/bench.log"
fi
