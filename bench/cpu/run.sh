#!/usr/bin/env bash
# CPU kernel benchmark (docs/benchmarks.md, "CPU kernels").
#
#   bench/cpu/run.sh prepare BUILD DIR [CPU]  compile the kernels of
#       bench/cpu/*.mlir for D = 64, 128 into DIR (sparsa-cpu-aot, target CPU
#       default "host") and copy the MLIR-free runner and its OpenBLAS next
#       to them, so DIR can be run on another machine;
#   bench/cpu/run.sh run DIR                  run the table there.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
case "${1:-}" in
prepare)
  build="$2" dir="$3" cpu="${4:-host}"
  mkdir -p "$dir"
  for d in 64 128; do
    for k in causal window; do
      sed "s/HEAD_DIM/$d/" "$here/$k.mlir" > "$dir/$k$d.mlir"
      "$build/bin/sparsa-cpu-aot" "$dir/$k$d.mlir" --emit=so --cpu="$cpu" \
        -o "$dir/$k$d.so"
    done
  done
  cp "$build/bin/sparsa-cpu-bench" "$dir/"
  for lib in libopenblas.so.0 libgfortran.so.5 libquadmath.so.0; do
    cp -L "$(ldconfig -p | awk -v l="$lib" '$1 == l {print $NF; exit}')" "$dir/"
  done
  cp "$here/run.sh" "$dir/"
  ;;
run)
  dir="$2"
  cd "$dir"
  export LD_LIBRARY_PATH="$PWD"
  t="${THREADS:-$(nproc)}"
  echo "$(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
  for d in 64 128; do
    for n in 4096 16384; do
      # Short runs are noisy on a shared machine: more tries for N = 4096.
      reps=$((n == 4096 ? 20 : 4))
      ./sparsa-cpu-bench --lib "./causal$d.so" --n "$n" --d "$d" --bh 8 \
        --threads "$t" --reps "$reps"
      ./sparsa-cpu-bench --lib "./window$d.so" --kernel window \
        --dense-kernel window_masked_dense --window 1024 --n "$n" --d "$d" \
        --bh 8 --threads "$t" --reps "$reps" --no-blas
    done
  done
  ;;
*)
  echo "usage: $0 prepare BUILD DIR [CPU] | run DIR" >&2
  exit 1
  ;;
esac
