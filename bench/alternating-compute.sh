#!/usr/bin/env bash
# Builds bench/alternating-compute.c with gcc into a temporary directory and runs it: what this machine charges for
# splitting alternating compute between two processes (PP2 stages), with no hyc in it. See the .c file for the figures.
# Usage: bench/alternating-compute.sh [work_us=4500] [mib=16] [rounds=200] [blocks=8] [pin=0]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
command -v gcc >/dev/null || { echo "alternating-compute: needs gcc (apt-get install gcc)" >&2; exit 3; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gcc -O2 -Wall -Wextra -Werror -o "$tmp/alternating-compute" "$here/alternating-compute.c"
"$tmp/alternating-compute" "$@"
