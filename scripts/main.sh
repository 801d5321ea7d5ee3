#!/usr/bin/env bash
# The main job: set up what is missing, build, train a small MLP on MNIST and print its test accuracy.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
log=$(mktemp); dotnet build src/GenBounds.Cli -c Release -v q -nologo >"$log" 2>&1 || { cat "$log"; exit 1; }; rm -f "$log"
genbounds() { dotnet src/GenBounds.Cli/bin/Release/net10.0/genbounds.dll "$@"; }
mkdir -p runs
genbounds train --arch 784-100-10 --epochs 5 --seed 1 --out runs/main-784-100-10.safetensors
