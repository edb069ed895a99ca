#!/usr/bin/env bash
# The demo's report in headless Chromium (Debian's chromium): the page renders, with every table and figure of
# the study and of "Beyond the paper" in the rendered document, and a screenshot can be taken of it.
#   tests/e2e/report_in_chromium.sh PRRT_BINARY [SCREENSHOT.png]   (the second argument keeps the screenshot,
#   as docs/report-screenshot.png was made)
set -euo pipefail
prrt=$1
keep=${2:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$prrt" demo --out "$work/demo" >/dev/null
page="file://$work/demo/report/report.html"
browser=(chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run
         --user-data-dir="$work/profile")
"${browser[@]}" --dump-dom "$page" > "$work/dom.html" 2>/dev/null
fail() { echo "report_in_chromium: $*" >&2; exit 1; }
for id in headline table1 table2 table3 table4 table5 table6 table7 text; do
  grep -q "id=\"$id\"" "$work/dom.html" || fail "no section '$id' in the rendered page"
done
tables=$(grep -o '<table>' "$work/dom.html" | wc -l)
[[ $tables -ge 8 ]] || fail "expected 8 tables in the rendered page, found $tables"
grep -q 'class="published"' "$work/dom.html" || fail "no published rows beside ours"
for id in figure1 figure3; do
  grep -q "id=\"$id\"" "$work/dom.html" || fail "no '$id' in the rendered page"
done
for id in beyond beyond-immortal-time beyond-adjusted beyond-competing figure-simon-makuch figure-aml-mds whatif figure-whatif-os; do
  grep -q "id=\"$id\"" "$work/dom.html" || fail "no '$id' (beyond the paper) in the rendered page"
done
panels=$(grep -o '<svg[^>]*class="km"' "$work/dom.html" | wc -l)
[[ $panels -eq 8 ]] || fail "expected 8 Kaplan–Meier panels (6 in Fig. 3, Simon–Makuch, AML/MDS), found $panels"
grep -q '<svg[^>]*class="flow"' "$work/dom.html" || fail "no flow chart (Fig. 1)"
"${browser[@]}" --window-size=1400,2400 --screenshot="$work/shot.png" "$page" >/dev/null 2>&1
[[ -s $work/shot.png ]] || fail "no screenshot"
[[ $(head -c 8 "$work/shot.png" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]] || fail "the screenshot is not a PNG"
[[ -z $keep ]] || cp "$work/shot.png" "$keep"
echo "report_in_chromium: $tables tables and $panels Kaplan–Meier panels rendered; screenshot $(stat -c %s "$work/shot.png") bytes"
