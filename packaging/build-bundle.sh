#!/bin/sh
# `make package`: the one-folder bundle dist/ActivityTracker/ (PyInstaller, spec beside this file)
# with the desktop entry, the AppStream metainfo, the icons in the hicolor sizes and an installer
# for Linux workstations. Usage: PYTHON=.venv/bin/python sh packaging/build-bundle.sh
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=${PYTHON:-python3}
cd "$ROOT"
start=$(date +%s)
"$PY" packaging/make_icons.py build/icons
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build/pyinstaller \
    packaging/activity-tracker.spec
BUNDLE=dist/ActivityTracker
mkdir -p "$BUNDLE/share/applications" "$BUNDLE/share/metainfo" "$BUNDLE/share/icons"
cp packaging/linux/org.activitytracker.ActivityTracker.desktop "$BUNDLE/share/applications/"
cp packaging/linux/org.activitytracker.ActivityTracker.metainfo.xml "$BUNDLE/share/metainfo/"
rm -rf "$BUNDLE/share/icons/hicolor"
cp -r build/icons/hicolor "$BUNDLE/share/icons/hicolor"
for png in "$BUNDLE"/share/icons/hicolor/*/apps/activity-tracker.png; do
    mv "$png" "$(dirname "$png")/org.activitytracker.ActivityTracker.png"
done
cp packaging/linux/install.sh "$BUNDLE/install-linux.sh"
chmod +x "$BUNDLE/install-linux.sh"
echo "Built $BUNDLE ($(du -sh "$BUNDLE" | cut -f 1)) in $(( $(date +%s) - start )) s"
