#!/usr/bin/env bash
# Build the Debian/Ubuntu package from the onedir bundle (building the bundle first if needed).
#
#     build/build_deb.sh                      -> dist/otj-desktop_<version>_<arch>.deb
#
# Layout of the package:
#   /opt/otj-desktop/                  the PyInstaller bundle, unchanged (read-only at run time)
#   /opt/otj-desktop/share/apparmor/   AppArmor profile, installed by postinst on AppArmor 4
#   /usr/bin/otj-desktop               symlink to /opt/otj-desktop/otj-desktop
#   /usr/share/applications/otj-desktop.desktop, /usr/share/icons/hicolor/*/apps/otj-desktop.png
#   /usr/share/doc/otj-desktop/copyright
# The apprentice's data lives in their home folder (~/.local/share/OTJ Desktop), never under
# /opt, so upgrading or removing the package leaves it alone; the new version migrates the
# database on its first start.
#
# Depends is computed from the bundle (build/linux/deb_depends.py). Compression is zstd
# (dpkg-deb -Zzstd): for this ~330 MB Qt bundle it packs several times faster than xz, at a
# similar size. Environment: PYTHON (as for build_bundle.sh), DEB_ZSTD_LEVEL (default 19),
# DEB_VERSION (default: the app's version), DEB_MAINTAINER.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
BUNDLE=dist/otj-desktop
if [ ! -x "$BUNDLE/otj-desktop" ]; then
  build/build_bundle.sh
fi

VERSION=${DEB_VERSION:-$(sed -n 's/^__version__ = "\(.*\)"/\1/p' otj_desktop/__init__.py)}
ARCH=$(dpkg --print-architecture)
MAINTAINER=${DEB_MAINTAINER:-"OTJ Desktop maintainers <otj-desktop@example.org>"}
LEVEL=${DEB_ZSTD_LEVEL:-19}
STAGE=.build-work/deb/otj-desktop
OUT=dist/otj-desktop_${VERSION}_${ARCH}.deb
started=$(date +%s)

rm -rf "$STAGE"
mkdir -p "$STAGE/DEBIAN" "$STAGE/opt" "$STAGE/usr/bin" "$STAGE/usr/share/applications" \
  "$STAGE/usr/share/doc/otj-desktop"
# Hard links: no second copy of 330 MB (falls back to copying across file systems).
cp -al "$BUNDLE" "$STAGE/opt/otj-desktop" 2>/dev/null || cp -a "$BUNDLE" "$STAGE/opt/otj-desktop"
install -D -m 644 build/linux/apparmor-profile "$STAGE/opt/otj-desktop/share/apparmor/otj-desktop"
ln -s /opt/otj-desktop/otj-desktop "$STAGE/usr/bin/otj-desktop"
install -m 644 build/linux/otj-desktop.desktop "$STAGE/usr/share/applications/"
install -m 644 build/linux/copyright "$STAGE/usr/share/doc/otj-desktop/copyright"
for icon in assets/icons/otj-desktop-*.png; do
  size=$(basename "$icon" .png | sed 's/otj-desktop-//')
  install -D -m 644 "$icon" "$STAGE/usr/share/icons/hicolor/${size}x${size}/apps/otj-desktop.png"
done
install -m 755 build/linux/postinst build/linux/postrm "$STAGE/DEBIAN/"

DEPENDS=$("$PYTHON" build/linux/deb_depends.py "$BUNDLE")
INSTALLED_KB=$(du -sk --apparent-size --exclude=DEBIAN "$STAGE" | cut -f1)
cat > "$STAGE/DEBIAN/control" <<CONTROL
Package: otj-desktop
Version: $VERSION
Architecture: $ARCH
Maintainer: $MAINTAINER
Installed-Size: $INSTALLED_KB
Depends: $DEPENDS
Section: education
Priority: optional
Description: offline log of off-the-job training for apprentices
 OTJ Desktop lets apprentices in England log their off-the-job (OTJ) training,
 map each activity to the knowledge, skills and behaviours (KSBs) of their
 apprenticeship standard, and see whether they are on track for their hours.
 Everything stays on the computer: no internet, no account.
CONTROL
(cd "$STAGE" && \
  find opt usr -type f -print0 | LC_ALL=C sort -z | xargs -0 md5sum > DEBIAN/md5sums)

if command -v desktop-file-validate >/dev/null; then
  desktop-file-validate "$STAGE/usr/share/applications/otj-desktop.desktop"
fi

rm -f dist/otj-desktop_*.deb
dpkg-deb --root-owner-group -Zzstd -z"$LEVEL" --build "$STAGE" "$OUT" >/dev/null
echo "Package built in $(( $(date +%s) - started )) s: $OUT ($(du -h "$OUT" | cut -f1))"
