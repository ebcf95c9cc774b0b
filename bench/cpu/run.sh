#!/usr/bin/env bash
# CPU kernel benchmark (docs/benchmarks.md, "CPU kernels"): every example
# pattern at N = 4096 and 16384, D = 64 and 128, B x H = 8 (16 heads for
# per_head, whose pattern names 16).
#
#   bench/cpu/run.sh prepare BUILD DIR [CPU]
#       compiles each example with sparsac for D = 64 and 128, sparse and
#       --masked-dense, for CPU (default "host"; e.g. sapphirerapids to run
#       elsewhere), writes each mask as a zstd-compressed bitmap per N, and
#       copies the MLIR-free runner with its shared libraries into DIR, so
#       DIR can be copied to and run on a machine without LLVM;
#   bench/cpu/run.sh run DIR [PATTERN...]
#       prints the table (all patterns by default). Environment: D ("64
#       128"), N ("4096 16384"), THREADS (all cores), REPS (tries of the
#       sparse kernel; default 20 at N = 4096 and 4 at N = 16384),
#       FLAGS (more options of sparsa-cpu-bench, e.g. --no-blas to skip the
#       BLAS attention column).
# Runtime parameters: W = 1024 (sliding_window, attention_sinks), P = 1024
# (prefix_lm).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
patterns="$(cd "$here/../../examples/patterns" 2>/dev/null && pwd || true)"
heads_of() { if [ "$1" = per_head ]; then echo 16; else echo 8; fi; }
# Values of the examples' runtime parameters.
params_of() {
  case "$1" in
  sliding_window | attention_sinks) echo "--param W=1024" ;;
  prefix_lm) echo "--param P=1024" ;;
  esac
}
case "${1:-}" in
prepare)
  build="$2" dir="$3" cpu="${4:-host}"
  for need in "$build/bin/sparsac" "$build/bin/sparsa-cpu-bench"; do
    [ -x "$need" ] || {
      echo "$0: $need is missing (build with OpenBLAS and zstd installed:" \
        "bash scripts/dev.sh build)" >&2
      exit 1
    }
  done
  command -v zstd >/dev/null || {
    echo "$0: the zstd command is missing (apt-get install zstd)" >&2
    exit 1
  }
  mkdir -p "$dir"
  sparsac="$build/bin/sparsac"
  for f in "$patterns"/*.sparsa; do
    p="$(basename "$f" .sparsa)"
    for d in 64 128; do
      "$sparsac" "$f" --target=cpu --emit=so --cpu="$cpu" --head-dim "$d" \
        -o "$dir/$p.d$d.so"
      "$sparsac" "$f" --target=cpu --emit=so --cpu="$cpu" --head-dim "$d" \
        --masked-dense -o "$dir/$p.d$d.dense.so"
    done
    # One bitmap head for a head-independent pattern.
    h=1
    [ "$p" = per_head ] && h=16
    for n in 4096 16384; do
      # Masks depend only on the pattern and N: KEEP_MASKS=1 reuses them.
      if [ "${KEEP_MASKS:-0}" = 1 ] && [ -f "$dir/$p.n$n.mask.zst" ]; then
        continue
      fi
      # shellcheck disable=SC2046
      "$sparsac" "$f" --emit=bitmap --seq-len "$n" --heads "$h" \
        $(params_of "$p") |
        zstd -q -T0 -3 --long=27 -o "$dir/$p.n$n.mask.zst"
    done
  done
  cp "$build/bin/sparsa-cpu-bench" "$here/run.sh" "$dir/"
  cp -L "$build"/lib/libsparsa_runtime.so.[0-9] "$dir/"
  for lib in libopenblas.so.0 libgfortran.so.5 libquadmath.so.0 libzstd.so.1; do
    cp -L "$(ldconfig -p | awk -v l="$lib" '$1 == l {print $NF; exit}')" "$dir/"
  done
  ;;
run)
  dir="$2"
  shift 2
  cd "$dir"
  export LD_LIBRARY_PATH="$PWD${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  t="${THREADS:-$(nproc)}"
  list="$*"
  [ -n "$list" ] || list="$(ls ./*.d64.so | sed 's|^\./||; s|\.d64\.so$||')"
  echo "$t threads: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
  echo "| pattern | N | D | density | sparse ms | GFLOP/s | sgemm GFLOP/s | % sgemm | masked-dense ms | speedup vs masked-dense (goal) | BLAS attention (speedup) |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  for d in ${D:-64 128}; do
    for n in ${N:-4096 16384}; do
      for p in $list; do
        # Short runs are noisy on a shared machine: more tries for N = 4096.
        reps="${REPS:-$((n == 4096 ? 20 : 4))}"
        ./sparsa-cpu-bench --sparse "./$p.d$d.so" --dense "./$p.d$d.dense.so" \
          --mask "./$p.n$n.mask.zst" --label "$p" --n "$n" --d "$d" \
          --heads "$(heads_of "$p")" --threads "$t" --reps "$reps" \
          $(params_of "$p") ${FLAGS:-} |
          grep '^|' || echo "| $p | $n | $d | failed (see above) |"
      done
    done
  done
  ;;
*)
  echo "usage: $0 prepare BUILD DIR [CPU] | run DIR [PATTERN...]" >&2
  exit 1
  ;;
esac
