#!/usr/bin/env bash
# Fails when a tracked C or C++ file differs from what clang-format-22 (the
# LLVM 22 one, .clang-format at the root) makes of it, and prints the diff
# of every such file. `scripts/check-format.sh --fix` rewrites them instead.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
format=clang-format-22
command -v "$format" >/dev/null || {
  echo "$0: $format is missing (bash scripts/dev.sh build installs it)" >&2
  exit 1
}
mapfile -t files < <(git ls-files '*.c' '*.cpp' '*.h')
if [ "${1:-}" = --fix ]; then
  "$format" -i "${files[@]}"
  exit 0
fi
bad=0
for f in "${files[@]}"; do
  if ! "$format" --dry-run -Werror "$f" >/dev/null 2>&1; then
    diff -u "$f" <("$format" "$f") | head -n 40 >&2 || true
    bad=$((bad + 1))
  fi
done
if [ "$bad" -ne 0 ]; then
  echo "$bad file(s) are not formatted with $format:" \
    "run scripts/check-format.sh --fix" >&2
  exit 1
fi
echo "format: ${#files[@]} files clean"
