#!/usr/bin/env bash
# CPU backward pass against the forward, per example pattern
# (docs/benchmarks.md, "CPU backward"): sparsac --run --backward JIT-compiles
# the pattern with its backward kernels, runs the forward and then dQ, dK,
# dV for a random dO on all cores; the table shows the best of REPS runs of
# each and their ratio (the goal is backward <= 3x forward).
#
#   bench/cpu/backward.sh BUILD [PATTERN...]
# Environment: N (4096), H (8), D (64), REPS (3). Runtime parameters:
# W = 1024 (sliding_window, attention_sinks), P = 1024 (prefix_lm).
set -euo pipefail
build="$1"
shift
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
patterns="$here/../../examples/patterns"
N="${N:-4096}" H="${H:-8}" D="${D:-64}" REPS="${REPS:-3}"
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
printf '| pattern | forward ms | backward ms | backward / forward |\n'
printf '|---|---|---|---|\n'
for name in "${names[@]}"; do
  heads="$H"
  [ "$name" = per_head ] && heads=16
  best_f="" best_b=""
  for _ in $(seq "$REPS"); do
    # shellcheck disable=SC2046
    out="$("$build/bin/sparsac" "$patterns/$name.sparsa" $(params_of "$name") \
      --run --backward --seq-len "$N" --heads "$heads" --head-dim "$D")"
    f="$(sed -n 's/^time_ms: //p' <<<"$out")"
    b="$(sed -n 's/^backward_time_ms: //p' <<<"$out")"
    best_f="$(awk -v a="$f" -v b="$best_f" 'BEGIN{print (b == "" || a < b) ? a : b}')"
    best_b="$(awk -v a="$b" -v b="$best_b" 'BEGIN{print (b == "" || a < b) ? a : b}')"
  done
  awk -v n="$name" -v f="$best_f" -v b="$best_b" \
    'BEGIN{printf "| %s | %.2f | %.2f | %.1f |\n", n, f, b, b / f}'
done
