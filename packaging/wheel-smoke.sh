#!/bin/sh
# The wheel works outside the source tree: build it, install it (not editable) into a fresh
# virtual environment in a temporary folder, and use the installed `activity-tracker` from
# there: a demo school, a screenshot of the dashboard, certificates and their verification.
# Every resource (icons, fonts, badge designs, migrations, the user guide) must come from the
# installed package. Usage: sh packaging/wheel-smoke.sh   (run by .ci/run and `make wheel-test`)
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=${PYTHON:-python3}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/at-wheel.XXXXXX")
[ -n "${KEEP:-}" ] || trap 'rm -rf "$WORK"' EXIT
start=$(date +%s)

# build from a copy of the tracked files, so that the checkout gets no build/ or egg-info
mkdir "$WORK/src"
git -C "$ROOT" ls-files -z --cached --others --exclude-standard \
    | tar -C "$ROOT" --null --ignore-failed-read -cf - -T - | tar -C "$WORK/src" -xf -
"$PY" -m pip wheel --quiet --no-deps -w "$WORK/dist" "$WORK/src"
"$PY" -m venv "$WORK/venv"
"$WORK/venv/bin/python" -m pip install --quiet --disable-pip-version-check "$WORK"/dist/*.whl
rm -rf "$WORK/src"

cd "$WORK"   # nowhere near the checkout
AT="$WORK/venv/bin/activity-tracker"
"$AT" --version
"$AT" --db "$WORK/school.db" demo --students 120 --seed 3 >/dev/null
QT_QPA_PLATFORM=offscreen "$AT" screenshot --db "$WORK/school.db" --view dashboard --size 1024x768 \
    --out "$WORK/dashboard.png"
test -s "$WORK/dashboard.png"
activity=$("$AT" --db "$WORK/school.db" activities | head -n 1 | cut -f 1)
"$AT" --db "$WORK/school.db" certificates --activity "$activity" --out "$WORK/certificates" | tee "$WORK/issued.txt"
pdf=$(find "$WORK/certificates" -name '*.pdf' | head -n 1)
test -n "$pdf" || { echo "wheel smoke: no certificate was written" >&2; exit 1; }
"$AT" --db "$WORK/school.db" verify "$pdf"
"$WORK/venv/bin/python" - "$WORK/venv" <<'PYEOF'
import sys
from pathlib import Path
import tracker, ui
from tracker.resource_files import readme, resource_dir
venv = Path(sys.argv[1]).resolve()
for module in (tracker, ui):
    assert venv in Path(module.__file__).resolve().parents, f"{module.__name__} imported from outside the venv"
for name in ("icons", "fonts", "badges", "samples"):
    assert venv in resource_dir(name).resolve().parents, f"resources/{name} not installed"
assert readme() is not None and venv in readme().resolve().parents, "the user guide (README) is not installed"
print("wheel smoke: every resource comes from the installed package")
PYEOF
echo "wheel smoke: passed in $(( $(date +%s) - start )) s"
