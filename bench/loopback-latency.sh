#!/usr/bin/env bash
# Builds bench/loopback-latency.c with gcc into a temporary directory and runs it: the round trip of a small message
# between two processes over loopback TCP on this machine, the floor under each data-plane hop between agents.
# Usage: bench/loopback-latency.sh [bytes=1600] [rounds=20000] [gap_us=0: the sender sleeps this long between rounds]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
command -v gcc >/dev/null || { echo "loopback-latency: needs gcc (apt-get install gcc)" >&2; exit 3; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gcc -O2 -Wall -Wextra -Werror -o "$tmp/loopback-latency" "$here/loopback-latency.c"
"$tmp/loopback-latency" "$@"
