#!/bin/bash
# The full GPU session in one call (docs/cuda-backend.md): correctness of
# every compiled kernel, the benchmark table at N = 16384 (B = 2) and
# N = 65536 (B = 1), H = 16, D = 128 and 64, then compute-sanitizer
# memcheck / racecheck on a few small checks. Logs and JSON go to $OUT.
OUT=${OUT:-/tmp/sparsa-out}; mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
bash bench/cuda/device_run.sh check
L=/tmp/libsparsa_runtime.so
for cfg in "16384 2 128" "16384 2 64" "65536 1 128" "65536 1 64"; do
  set -- $cfg
  timeout ${BENCH_TIMEOUT:-150} python3 bench/cuda/bench.py --lib $L \
      --n $1 --b $2 --h 16 --d $3 --json "$OUT/bench_n$1_d$3.json" 2>&1 \
      | tee -a "$OUT/bench.log" | grep -v Warning
done
if [ -n "$SANITIZE" ]; then
  for tool in memcheck racecheck; do
    timeout 100 compute-sanitizer --tool $tool --error-exitcode 9 \
        python3 bench/cuda/check.py --lib $L --filter "$SANITIZE" 2>&1 \
        | tail -4 | tee -a "$OUT/sanitizer.log"
    echo "$tool exit ${PIPESTATUS[0]}" | tee -a "$OUT/sanitizer.log"
  done
fi
