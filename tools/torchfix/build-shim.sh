#!/usr/bin/env bash
# Rebuilds the committed libtorchsharp_glibcxx_shim.so from its source. The build itself never runs
# this (it copies the committed file), so a fresh machine needs no C++ compiler.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
g++ -O2 -shared -fPIC -Wl,--version-script="$here/shim.map" -Wl,-soname,libtorchsharp_glibcxx_shim.so \
    -o "$here/libtorchsharp_glibcxx_shim.so" "$here/iosinit_shim.cpp"
strip --strip-unneeded "$here/libtorchsharp_glibcxx_shim.so"
echo "built $here/libtorchsharp_glibcxx_shim.so"
