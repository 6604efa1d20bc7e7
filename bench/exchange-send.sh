#!/usr/bin/env bash
# Builds bench/exchange-send.c with gcc into a temporary directory and runs it: what one send() of a collective's part
# costs on this machine while the peer waits for it, over loopback TCP and a Unix socketpair, the peer blocking or spinning.
# Usage: bench/exchange-send.sh [work_us=200] [bytes=3237] [rounds=3000]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
command -v gcc >/dev/null || { echo "exchange-send: needs gcc (apt-get install gcc)" >&2; exit 3; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gcc -O2 -Wall -Wextra -Werror -o "$tmp/exchange-send" "$here/exchange-send.c"
"$tmp/exchange-send" "$@"
