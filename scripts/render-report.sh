#!/usr/bin/env bash
# Renders an HTML report (llm-client report) to a PNG in headless Chromium, to look at it without a
# browser: scripts/render-report.sh REPORT.html OUT.png [WIDTH] [HEIGHT]
# WIDTH defaults to 1280 (a laptop; try 400 for a phone), HEIGHT to 6000 (the screenshot is of the
# window, so make it tall enough for the page). COLOR_SCHEME=dark renders the dark theme.
set -euo pipefail

if [[ $# -lt 2 || $# -gt 4 ]]; then
    echo "usage: $0 REPORT.html OUT.png [WIDTH] [HEIGHT]   (COLOR_SCHEME=dark for the dark theme)" >&2
    exit 2
fi
report="$1" png="$2" width="${3:-1280}" height="${4:-6000}"
[[ -f "$report" ]] || { echo "error: $report: no such file" >&2; exit 2; }
[[ "$width" =~ ^[0-9]+$ && "$height" =~ ^[0-9]+$ ]] || { echo "error: WIDTH and HEIGHT are pixels" >&2; exit 2; }
browser="$(command -v chromium || command -v chromium-browser || true)"
[[ -n "$browser" ]] || { echo "error: chromium is not installed (Debian: apt-get install chromium)" >&2; exit 2; }

scheme_flags=()
case "${COLOR_SCHEME:-light}" in
    light) scheme_flags=(--blink-settings=preferredColorScheme=1) ;;
    dark) scheme_flags=(--force-dark-mode --blink-settings=preferredColorScheme=0) ;;
    *) echo "error: COLOR_SCHEME is light or dark" >&2; exit 2 ;;
esac

profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
png_path="$(cd "$(dirname "$png")" && pwd)/$(basename "$png")"
report_url="file://$(cd "$(dirname "$report")" && pwd)/$(basename "$report")"
rm -f "$png_path"
timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$profile" \
    --no-first-run --no-default-browser-check "${scheme_flags[@]}" \
    --window-size="$width,$height" --screenshot="$png_path" "$report_url" 2>/dev/null
[[ -s "$png_path" ]] || { echo "error: chromium wrote no screenshot" >&2; exit 1; }
echo "$png_path"
