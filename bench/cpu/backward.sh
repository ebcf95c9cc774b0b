#!/usr/bin/env bash
# CPU backward pass against the forward, per example pattern
# (docs/benchmarks.md, "CPU backward"): sparsac --run --backward JIT-compiles
# the pattern with its backward kernels, runs the forward and then dQ, dK,
# dV for a random dO on all cores. The table shows the best of REPS runs of
# each and their ratio (the goal is backward <= 3x forward), and the
# backward of the masked-dense baseline (--masked-dense: every tile PARTIAL,
# no layout plan) with the speedup over it next to the pattern's density
# from --stats (the goal is a speedup of at least 0.6 / density).
#
#   bench/cpu/backward.sh BUILD [PATTERN...]
# Environment: N (4096), H (8), D (64), REPS (3), DENSE (1: also the
# masked-dense columns; 0: skip them). Runtime parameters: W = 1024
# (sliding_window, attention_sinks), P = 1024 (prefix_lm).
set -euo pipefail
build="$1"
shift
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
patterns="$here/../../examples/patterns"
N="${N:-4096}" H="${H:-8}" D="${D:-64}" REPS="${REPS:-3}" DENSE="${DENSE:-1}"
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for f in "$patterns"/*.sparsa; do names+=("$(basename "$f" .sparsa)"); done
fi
params_of() {
  case "$1" in
  sliding_window | attention_sinks) echo "--param W=1024" ;;
  prefix_lm) echo "--param P=1024" ;;
  esac
}
min() { awk -v a="$1" -v b="$2" 'BEGIN{print (b == "" || a < b) ? a : b}'; }
# best_times NAME HEADS [FLAGS...]: "forward backward", each the best of REPS.
best_times() {
  local name="$1" heads="$2" f="" b="" out
  shift 2
  for _ in $(seq "$REPS"); do
    # shellcheck disable=SC2046
    out="$("$build/bin/sparsac" "$patterns/$name.sparsa" $(params_of "$name") \
      --run --backward --seq-len "$N" --heads "$heads" --head-dim "$D" "$@")"
    f="$(min "$(sed -n 's/^time_ms: //p' <<<"$out")" "$f")"
    b="$(min "$(sed -n 's/^backward_time_ms: //p' <<<"$out")" "$b")"
  done
  echo "$f $b"
}
if [ "$DENSE" = 1 ]; then
  printf '| pattern | forward ms | backward ms | backward / forward | masked-dense backward ms | speedup | density | goal 0.6 / density |\n'
  printf '|---|---|---|---|---|---|---|---|\n'
else
  printf '| pattern | forward ms | backward ms | backward / forward |\n'
  printf '|---|---|---|---|\n'
fi
for name in "${names[@]}"; do
  heads="$H"
  [ "$name" = per_head ] && heads=16
  read -r f b <<<"$(best_times "$name" "$heads")"
  if [ "$DENSE" != 1 ]; then
    awk -v n="$name" -v f="$f" -v b="$b" \
      'BEGIN{printf "| %s | %.2f | %.2f | %.1f |\n", n, f, b, b / f}'
    continue
  fi
  read -r _ db <<<"$(best_times "$name" "$heads" --masked-dense)"
  # shellcheck disable=SC2046
  density="$("$build/bin/sparsac" "$patterns/$name.sparsa" $(params_of "$name") \
    --stats --seq-len "$N" --heads "$heads" | sed -n 's/^ *density:* *//p' | head -1)"
  awk -v n="$name" -v f="$f" -v b="$b" -v db="$db" -v d="$density" \
    'BEGIN{printf "| %s | %.2f | %.2f | %.1f | %.2f | %.2f | %.3f | %.2f |\n",
           n, f, b, b / f, db, db / b, d, 0.6 / d}'
done
