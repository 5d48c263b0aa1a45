#!/bin/bash
# Installs the Debian packages that building, testing, the demo and the
# benchmarks need. As root it runs apt-get; otherwise it prints the line to run.
set -euo pipefail

PACKAGES=(
    g++ make pkg-config
    libssl-dev libsystemd-dev libhiredis-dev libisal-dev
    libgtest-dev clang libclang-rt-14-dev
    redis-server redis-tools
    php-dev php-cli php-cgi php8.2-fpm php-redis php-parser
    python3 python3-pytest python3-redis python3-pexpect
    nutcracker gnuplot-nox
    systemd
)

missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "deps: all packages present"
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "deps: missing packages; run:"
    echo "  sudo apt-get install -y ${missing[*]}"
    exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
