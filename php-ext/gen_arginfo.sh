#!/bin/bash
# Regenerates dbsync_arginfo.h from dbsync.stub.php with PHP's own gen_stub.php.
# gen_stub.php wants PHP-Parser next to itself and downloads it otherwise; we
# point it at Debian's php-parser package instead (apt-get install php-parser).
# Only needed after editing the stub: the generated header is committed.
set -euo pipefail
cd "$(dirname "$0")"
gen=
for g in "$(php-config --prefix 2>/dev/null)"/lib/php/build/gen_stub.php /usr/lib/php/*/build/gen_stub.php; do
    [ -f "$g" ] && { gen=$g; break; }
done
[ -n "$gen" ] || { echo "gen_stub.php not found (install php-dev)" >&2; exit 1; }
[ -f /usr/share/php/PhpParser/autoload.php ] || { echo "PHP-Parser not found (apt-get install php-parser)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$gen" "$work/gen_stub.php"
ver=$(sed -n 's/.*\$version = "\([0-9.]*\)".*/\1/p' "$gen" | head -1)
mkdir -p "$work/PHP-Parser-$ver"
ln -s /usr/share/php "$work/PHP-Parser-$ver/lib"
php "$work/gen_stub.php" -f dbsync.stub.php
echo "generated dbsync_arginfo.h"
