#!/usr/bin/env bash
# The whole test suite against the addon built with AddressSanitizer and
# UndefinedBehaviorSanitizer (cmake-js build in .sanitize/asan). Node itself is
# not instrumented, so the ASan runtime is preloaded; leak detection is off here
# (LeakSanitizer cannot judge memory that only V8's heap points to: see
# scripts/leak-check.sh, which uses valgrind for leaks). Any ASan or UBSan report
# aborts the process it happens in, so the test in it fails.
#
#   scripts/asan-test.sh                      build, then run every test file
#   ASAN_TEST_SKIP_BUILD=1 scripts/asan-test.sh   reuse .sanitize/asan as it is
#   scripts/asan-test.sh dist/test/x.test.js  only the files given
set -euo pipefail
cd "$(dirname "$0")/.."

started=$(date +%s)
npx tsc -p tsconfig.json
if [ "${ASAN_TEST_SKIP_BUILD:-}" != "1" ] || [ ! -f .sanitize/asan/build/Release/frontswap.node ]; then
  echo "== building the addon with -fsanitize=address,undefined (.sanitize/asan)"
  npx cmake-js rebuild --out .sanitize/asan/build --CDFRONTSWAP_SANITIZE=address,undefined >/dev/null
fi
built=$(date +%s)

libasan="$(gcc -print-file-name=libasan.so)"
if [ ! -f "$libasan" ]; then
  echo "asan-test: no libasan.so from gcc ($libasan)" >&2
  exit 2
fi

if [ "$#" -gt 0 ]; then files=("$@"); else files=(dist/test/*.test.js); fi
echo "== node --test under ASan + UBSan (${#files[@]} files)"
set +e
FRONTSWAP_BUILD_ROOT=.sanitize/asan \
  LD_PRELOAD="$libasan" \
  ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  node --test --test-concurrency=1 "${files[@]}"
status=$?
set -e
ended=$(date +%s)
echo "asan-test: exit status $status; build $((built - started)) s, tests $((ended - built)) s"
exit "$status"
