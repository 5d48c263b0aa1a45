#!/bin/bash
# Fetches hiredis 1.x (headers and shared library) from Debian 13 "trixie"
# into build/hiredis1-pkg, without installing it or touching the system's
# apt configuration: Debian 12 ships only hiredis 0.14, and dbsyncd is
# meant to build and run against both. Prints the prefix (…/usr) on success.
# The packages come from the Debian mirror this machine's apt already uses
# (its sources in /etc/apt), so no mirror is named here.
#
#   tools/fetch-hiredis1.sh --print-mirror   only prints that mirror
#   APT_SOURCES_DIR=DIR                      reads DIR instead of /etc/apt
#
#   make test uses it for the "hiredis1" build; by hand:
#   H=$(tools/fetch-hiredis1.sh) && make BUILD=build/hiredis1 \
#     HIREDIS_CFLAGS=-I$H/include \
#     HIREDIS_LIBS="-L$H/lib/x86_64-linux-gnu -lhiredis -Wl,-rpath,$H/lib/x86_64-linux-gnu" \
#     build/hiredis1/dbsyncd
set -euo pipefail

# The first Debian archive among apt's sources: deb822 files
# (sources.list.d/*.sources, "URIs:" of a "Types: deb" stanza) first, then
# one-line ones (sources.list, sources.list.d/*.list). Only a stanza or line
# for a release suite ("bookworm", not "bookworm-security", a separate
# archive) counts: trixie is looked for beside it.
debian_mirror() {
    local dir=${APT_SOURCES_DIR:-/etc/apt}
    local files=()
    shopt -s nullglob
    files=("$dir"/sources.list.d/*.sources)
    if [ ${#files[@]} -gt 0 ]; then
        awk '
            function flush() {
                if (types ~ /(^| )deb( |$)/ && enabled != "no" && suites ~ /(^| )[a-z]+( |$)/ && uris != "") {
                    split(uris, u, " "); print u[1]; found = 1; exit
                }
                types = suites = uris = ""; enabled = "yes"
            }
            BEGIN { enabled = "yes" }
            FNR == 1 && NR > 1 { flush() }
            /^[ \t]*#/ { next }
            /^[ \t]*$/ { flush(); next }
            {
                field = tolower($1); sub(/:$/, "", field)
                value = $0; sub(/^[^:]*:[ \t]*/, "", value); gsub(/[ \t]+/, " ", value)
                if (field == "types") types = value
                else if (field == "suites") suites = value
                else if (field == "uris") uris = value
                else if (field == "enabled") enabled = tolower(value)
            }
            END { if (!found) flush() }
        ' "${files[@]}" | head -n 1 | grep . && return 0
    fi
    files=()
    [ -f "$dir/sources.list" ] && files+=("$dir/sources.list")
    files+=("$dir"/sources.list.d/*.list)
    if [ ${#files[@]} -gt 0 ]; then
        # deb [options] URI SUITE COMPONENT...
        awk '
            $1 != "deb" { next }
            { i = 2; if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ } }
            $(i + 1) ~ /^[a-z]+$/ { print $i; exit }
        ' "${files[@]}" | head -n 1 | grep . && return 0
    fi
    echo "fetch-hiredis1: no Debian release archive among apt's sources in $dir" \
        "(sources.list.d/*.sources, sources.list, sources.list.d/*.list)" >&2
    return 1
}

if [ "${1:-}" = "--print-mirror" ]; then
    debian_mirror
    exit
fi

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR="$ROOT/build/hiredis1-pkg"
PREFIX="$DIR/root/usr"
if [ -f "$PREFIX/include/hiredis/hiredis.h" ] && grep -q '#define HIREDIS_MAJOR 1' "$PREFIX/include/hiredis/hiredis.h"; then
    echo "$PREFIX"
    exit 0
fi
ARCH=$(dpkg --print-architecture)
MIRROR=$(debian_mirror)
rm -rf "$DIR"
mkdir -p "$DIR/lists/partial" "$DIR/archives/partial" "$DIR/root"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR trixie main" >"$DIR/sources.list"
APT=(-o Dir::Etc::sourcelist="$DIR/sources.list" -o Dir::Etc::sourceparts=- -o Dir::State::Lists="$DIR/lists"
     -o Dir::Cache::archives="$DIR/archives" -o APT::Sandbox::User="$(id -un)" -o Acquire::Retries=2
     -o Acquire::http::Timeout=30)
apt-get "${APT[@]}" update >"$DIR/apt.log" 2>&1 || { tail -n 3 "$DIR/apt.log" >&2; exit 1; }
(cd "$DIR" && apt-get "${APT[@]}" download "libhiredis-dev:$ARCH" "libhiredis1.1.0:$ARCH") >>"$DIR/apt.log" 2>&1 ||
    { tail -n 3 "$DIR/apt.log" >&2; exit 1; }
for deb in "$DIR"/*.deb; do dpkg-deb -x "$deb" "$DIR/root"; done
grep -q '#define HIREDIS_MAJOR 1' "$PREFIX/include/hiredis/hiredis.h" || { echo "no hiredis 1.x in the packages" >&2; exit 1; }
echo "$PREFIX"
