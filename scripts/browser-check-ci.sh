#!/usr/bin/env bash
# CI's browser check: renders the committed report and the test fixture again
# with this checkout's renderers, compares the two, and checks every page and
# SVG in headless Chromium. Screenshots land in ${BROWSER_SHOTS:-.ci-out/shots}.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
shots=${BROWSER_SHOTS:-.ci-out/shots}
node dist/bench/cli/main.js report docs/report/report.json --out "$work/report" >/dev/null
node dist/bench/cli/main.js report test/fixtures/report-v1.json --out "$work/fixture" >/dev/null
node dist/bench/cli/main.js compare docs/report/report.json test/fixtures/report-v1.json --out "$work/compare" >/dev/null
node scripts/browser-check.js --shots "$shots" "$work/report" "$work/compare/compare.html" "$work/compare/compare.svg" "$work/fixture/report.html"
