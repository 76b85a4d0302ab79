#!/bin/sh
# `make demo`: the best end-to-end thing xbpf does so far. Assembles an example program,
# shows it disassembled, and runs it with the interpreter over this repository's README.
set -eu
cd "$(dirname "$0")/.."
xbpf=./build/bin/xbpf
mkdir -p build/demo

echo "== xbpf asm examples/fnv1a.s -o build/demo/fnv1a.bin"
$xbpf asm examples/fnv1a.s -o build/demo/fnv1a.bin
echo
echo "== xbpf disasm build/demo/fnv1a.bin"
$xbpf disasm build/demo/fnv1a.bin
echo
echo "== xbpf prog run build/demo/fnv1a.bin data_in README.md repeat 10000"
$xbpf prog run build/demo/fnv1a.bin data_in README.md repeat 10000
echo
echo "== the same, as JSON"
$xbpf -j prog run build/demo/fnv1a.bin data_in README.md
