#!/bin/sh
# Install the Debian/Ubuntu packages Qt needs (offscreen and Xvfb) and the certificate tests use
# (pdftotext, pdftoppm, zbarimg), packaging (desktop-file-validate, appstreamcli, objdump for
# PyInstaller), when running as root and
# they are missing; otherwise print the command to run. See shared SETUP notes.
PKGS="libgl1 libegl1 libxkbcommon0 libglib2.0-0 libfontconfig1 libfreetype6 libdbus-1-3 fonts-dejavu-core \
xvfb xauth libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 \
poppler-utils zbar-tools desktop-file-utils appstream binutils"

command -v dpkg-query >/dev/null 2>&1 || exit 0   # not Debian/Ubuntu: nothing to check
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing system packages for Qt:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >/dev/null
else
    echo "Qt needs these system packages:$missing"
    echo "Install them with:  sudo apt-get install -y --no-install-recommends$missing"
fi
