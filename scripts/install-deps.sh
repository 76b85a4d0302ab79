#!/bin/sh
# Installs the Debian 12 packages xbpf needs to build and test, when any is missing.
# Called by the Makefile; safe to run again (it only installs what is missing).
set -eu

packages="
  cmake ninja-build g++ make pkg-config
  clang llvm clang-19 llvm-19 clang-format
  libgtest-dev googletest libbenchmark-dev
  libbpf-dev bpftool linux-libc-dev libpcap-dev jq
  g++-mingw-w64-x86-64-posix wine wine64
"

missing=""
for package in $packages; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  case "$status" in
    *"install ok installed"*) ;;
    *) missing="$missing $package" ;;
  esac
done
[ -z "$missing" ] && exit 0

echo "xbpf: installing missing packages:$missing"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
  else
    echo "xbpf: these packages are missing and I am not root (and there is no sudo):$missing" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing
