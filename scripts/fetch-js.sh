#!/usr/bin/env bash
# Fetch the Vega, Vega-Lite and vega-embed browser builds from npm into .cache/js (git-ignored). The HTML report inlines
# them so that it opens with no network access.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.cache/js
# package@version -> file in the package's build/ folder
pkgs=(vega@5 vega-lite@5 vega-embed@6)
files=(vega.min.js vega-lite.min.js vega-embed.min.js)
have=1; for f in "${files[@]}"; do [ -s "$dest/$f" ] || have=0; done
[ $have = 1 ] && exit 0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$dest"
for i in "${!pkgs[@]}"; do
  pkg=${pkgs[$i]}; f=${files[$i]}
  printf '[setup] fetching %s (npm package %s)\n' "$f" "$pkg" >&2
  dir="$tmp/$i"; mkdir -p "$dir"
  tgz=$(cd "$dir" && npm pack --silent "$pkg" | tail -n1)
  tar xzf "$dir/$tgz" -C "$dir"
  src="$dir/package/build/$f"
  [ -s "$src" ] || { printf '%s does not contain build/%s\n' "$pkg" "$f" >&2; exit 1; }
  cp "$src" "$dest/$f.part"
  mv "$dest/$f.part" "$dest/$f"
done
