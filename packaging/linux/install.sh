#!/bin/sh
# Install Activity Tracker on a Linux workstation from the unpacked bundle (run as root):
#   sudo ./install-linux.sh [--prefix /opt/activity-tracker]
# It copies the bundle to the prefix, links both programs into /usr/local/bin, and registers
# the desktop entry, the AppStream metainfo and the icons, so the application is in the menu.
# Remove it with: sudo ./install-linux.sh --uninstall
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
PREFIX=/opt/activity-tracker
SHARE=/usr/share
BIN=/usr/local/bin
ID=org.activitytracker.ActivityTracker
uninstall=0
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) PREFIX=$2; shift 2 ;;
        --uninstall) uninstall=1; shift ;;
        *) echo "usage: $0 [--prefix DIR] [--uninstall]" >&2; exit 2 ;;
    esac
done
if [ "$uninstall" = 1 ]; then
    rm -f "$BIN/ActivityTracker" "$BIN/activity-tracker" "$SHARE/applications/$ID.desktop" \
        "$SHARE/metainfo/$ID.metainfo.xml" "$SHARE"/icons/hicolor/*/apps/$ID.png
    rm -rf "$PREFIX"
    echo "Removed Activity Tracker (the schools' databases in each user's data folder are kept)."
    exit 0
fi
mkdir -p "$PREFIX" "$BIN" "$SHARE/applications" "$SHARE/metainfo"
cp -a "$HERE/." "$PREFIX/"
ln -sf "$PREFIX/ActivityTracker" "$BIN/ActivityTracker"
ln -sf "$PREFIX/activity-tracker" "$BIN/activity-tracker"
cp "$HERE/share/applications/$ID.desktop" "$SHARE/applications/"
cp "$HERE/share/metainfo/$ID.metainfo.xml" "$SHARE/metainfo/"
cp -r "$HERE/share/icons/hicolor" "$SHARE/icons/"
command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q "$SHARE/icons/hicolor" || true
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$SHARE/applications" || true
echo "Installed Activity Tracker $("$PREFIX/activity-tracker" --version | cut -d' ' -f2) in $PREFIX"
