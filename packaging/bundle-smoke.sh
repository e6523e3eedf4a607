#!/bin/sh
# Smoke test of the bundle `make package` built (dist/ActivityTracker): the windowed program
# renders the sign-in window offscreen to a PNG, the console program creates a demo school and
# issues a certificate that it then verifies, both report the version of pyproject.toml, and no
# test or development package is inside. Usage: sh packaging/bundle-smoke.sh
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUNDLE="$ROOT/dist/ActivityTracker"
GUI="$BUNDLE/ActivityTracker"
CLI="$BUNDLE/activity-tracker"
[ -x "$GUI" ] && [ -x "$CLI" ] || { echo "bundle smoke: $BUNDLE is not built (make package)" >&2; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/at-bundle.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
export QT_QPA_PLATFORM=offscreen
unset PYTHONPATH TRACKER_DB 2>/dev/null || true

want=$(sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/pyproject.toml" | head -n 1)
got=$("$CLI" --version)
[ "$got" = "activity-tracker $want" ] || { echo "bundle smoke: --version says '$got', pyproject.toml '$want'" >&2; exit 1; }

"$CLI" --db "$WORK/school.db" demo --students 120 --seed 3 >/dev/null
"$GUI" screenshot --db "$WORK/school.db" --view login --size 1024x768 --out "$WORK/login.png"
head -c 8 "$WORK/login.png" | od -An -c | grep -q "P   N   G" || { echo "bundle smoke: login.png is not a PNG" >&2; exit 1; }
activity=$("$CLI" --db "$WORK/school.db" activities | head -n 1 | cut -f 1)
"$CLI" --db "$WORK/school.db" certificates --activity "$activity" --out "$WORK/certificates" >"$WORK/issued.txt"
pdf=$(find "$WORK/certificates" -name '*.pdf' | head -n 1)
[ -n "$pdf" ] || { echo "bundle smoke: no certificate was written" >&2; exit 1; }
"$CLI" --db "$WORK/school.db" verify "$pdf"
for format in xlsx pdf; do
    "$CLI" --db "$WORK/school.db" export --activity "$activity" --format "$format" --out "$WORK/records.$format" >/dev/null
    [ -s "$WORK/records.$format" ] || { echo "bundle smoke: no $format export was written" >&2; exit 1; }
done
award=$(python3 -c "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(
    'SELECT min(id) FROM badge_awards').fetchone()[0])" "$WORK/school.db")
"$CLI" --db "$WORK/school.db" badge-png --award "$award" --out "$WORK/badge.png" >/dev/null
[ -s "$WORK/badge.png" ] || { echo "bundle smoke: no badge picture was written" >&2; exit 1; }

for dev in pytest _pytest pytestqt hypothesis mypy ruff openbadgeslib aiosmtpd PyInstaller; do
    if [ -e "$BUNDLE/_internal/$dev" ]; then echo "bundle smoke: $dev is inside the bundle" >&2; exit 1; fi
done
echo "bundle smoke: passed ($(du -sh "$BUNDLE" | cut -f 1), $(wc -l <"$WORK/issued.txt") certificates)"
