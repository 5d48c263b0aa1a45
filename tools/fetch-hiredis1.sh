#!/bin/bash
# Fetches hiredis 1.x (headers and shared library) from Debian 13 "trixie"
# into build/hiredis1-pkg, without installing it or touching the system's
# apt configuration: Debian 12 ships only hiredis 0.14, and dbsyncd is
# meant to build and run against both. Prints the prefix (…/usr) on success.
#
#   make test uses it for the "hiredis1" build; by hand:
#   H=$(tools/fetch-hiredis1.sh) && make BUILD=build/hiredis1 \
#     HIREDIS_CFLAGS=-I$H/include \
#     HIREDIS_LIBS="-L$H/lib/x86_64-linux-gnu -lhiredis -Wl,-rpath,$H/lib/x86_64-linux-gnu" \
#     build/hiredis1/dbsyncd
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR="$ROOT/build/hiredis1-pkg"
PREFIX="$DIR/root/usr"
if [ -f "$PREFIX/include/hiredis/hiredis.h" ] && grep -q '#define HIREDIS_MAJOR 1' "$PREFIX/include/hiredis/hiredis.h"; then
    echo "$PREFIX"
    exit 0
fi
ARCH=$(dpkg --print-architecture)
rm -rf "$DIR"
mkdir -p "$DIR/lists/partial" "$DIR/archives/partial" "$DIR/root"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" \
    >"$DIR/sources.list"
APT=(-o Dir::Etc::sourcelist="$DIR/sources.list" -o Dir::Etc::sourceparts=- -o Dir::State::Lists="$DIR/lists"
     -o Dir::Cache::archives="$DIR/archives" -o APT::Sandbox::User="$(id -un)" -o Acquire::Retries=2
     -o Acquire::http::Timeout=30)
apt-get "${APT[@]}" update >"$DIR/apt.log" 2>&1 || { tail -n 3 "$DIR/apt.log" >&2; exit 1; }
(cd "$DIR" && apt-get "${APT[@]}" download "libhiredis-dev:$ARCH" "libhiredis1.1.0:$ARCH") >>"$DIR/apt.log" 2>&1 ||
    { tail -n 3 "$DIR/apt.log" >&2; exit 1; }
for deb in "$DIR"/*.deb; do dpkg-deb -x "$deb" "$DIR/root"; done
grep -q '#define HIREDIS_MAJOR 1' "$PREFIX/include/hiredis/hiredis.h" || { echo "no hiredis 1.x in the packages" >&2; exit 1; }
echo "$PREFIX"
