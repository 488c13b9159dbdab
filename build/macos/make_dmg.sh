#!/usr/bin/env bash
# Make the macOS disk image from the app bundle (installer.spec's BUNDLE step).
#
#     build/build_bundle.sh && build/macos/make_dmg.sh
#
# Output: dist/otj-desktop-<version>-macos-<arch>.dmg, a compressed image holding
# "OTJ Desktop.app" next to a link to /Applications, so installing is a drag and drop.
# The apprentice's data lives in ~/Library/Application Support/OTJ Desktop, never inside the
# .app, so replacing the app with a newer one keeps it (the app migrates it on first start).
#
# Signing: PyInstaller signs the bundle ad hoc, which Apple silicon requires to run at all.
# Without a Developer ID signature and notarization, Gatekeeper asks the user to confirm the
# first start (Control-click > Open). To sign, set MACOS_SIGN_IDENTITY to a "Developer ID
# Application" identity in the keychain; notarize the .dmg afterwards with notarytool.
set -euo pipefail
cd "$(dirname "$0")/../.."

APP="dist/OTJ Desktop.app"
[ -d "$APP" ] || { echo "No $APP: run build/build_bundle.sh first" >&2; exit 1; }
VERSION=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' otj_desktop/__init__.py)
OUT="dist/otj-desktop-${VERSION}-macos-$(uname -m).dmg"
STAGE=.build-work/dmg

if [ -n "${MACOS_SIGN_IDENTITY:-}" ]; then
  codesign --force --deep --options runtime --timestamp --sign "$MACOS_SIGN_IDENTITY" "$APP"
fi
codesign --verify --deep --strict "$APP"

rm -rf "$STAGE" "$OUT"
mkdir -p "$STAGE"
ditto "$APP" "$STAGE/OTJ Desktop.app"   # ditto keeps symlinks, permissions and signatures
ln -s /Applications "$STAGE/Applications"
hdiutil create -volname "OTJ Desktop ${VERSION}" -srcfolder "$STAGE" -fs HFS+ \
  -format UDZO -imagekey zlib-level=9 -ov "$OUT"
rm -rf "$STAGE"
echo "Disk image: $OUT ($(du -h "$OUT" | cut -f1))"
