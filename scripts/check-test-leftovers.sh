#!/usr/bin/env bash
# After the suite, on a machine of its own (CI): nothing the tests make is left —
# no loop device over a test file (/var/tmp/frontswap-test-*), no zram device
# that appeared during the suite (argument 1: the zram devices before it, one a
# line), no test file, no machine-changes state file (the tests' own or the
# bench's). Only names the tests use are looked at, and zram only by comparing
# with before, so devices that were there already do not count.
set -euo pipefail
before="${1-}"
left=()
for d in /sys/block/loop*; do
  f=$(cat "$d/loop/backing_file" 2>/dev/null) || continue
  case "$f" in */frontswap-test-*) left+=("/dev/${d##*/} over $f") ;; esac
done
for z in /sys/block/zram*; do
  [ -e "$z" ] || continue
  grep -qx "${z##*/}" <<<"$before" || left+=("${z##*/} (added during the suite)")
done
for f in /var/tmp/frontswap-test-* "${TMPDIR:-/tmp}"/frontswap-test/*.json /var/lib/frontswap/*.json; do
  [ -e "$f" ] && left+=("$f")
done
if [ "${#left[@]}" -gt 0 ]; then
  echo "the suite left these behind:" >&2
  printf '  %s\n' "${left[@]}" >&2
  exit 1
fi
echo "nothing left behind"
