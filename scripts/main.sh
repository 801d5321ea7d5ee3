#!/usr/bin/env bash
# The main job: set up what is missing, build, train a small bias-free MLP on MNIST, verify the lemmas of the
# registered papers on it and write the report (JSON, Markdown, HTML). Prints the report folder and a one-line
# summary of the verdict counts at the end.
#   PAPERS   comma list of papers to verify (default "all": every registered paper)
#   SAMPLES  training samples S the per-sample lemmas are checked on (default 2000)
#   TRIALS   trials per probabilistic lemma (default 200)
set -euo pipefail
cd "$(dirname "$0")/.."
PAPERS=${PAPERS:-all}
SAMPLES=${SAMPLES:-2000}
TRIALS=${TRIALS:-200}
bash scripts/setup.sh
log=$(mktemp); dotnet build src/GenBounds.Cli -c Release -v q -nologo >"$log" 2>&1 || { cat "$log"; exit 1; }; rm -f "$log"
genbounds() { dotnet src/GenBounds.Cli/bin/Release/net10.0/genbounds.dll "$@"; }
mkdir -p runs
model=runs/main-784-100-10-nobias.safetensors
# Bias-free: the perturbation lemmas (GUHA-LB.2, L4.3, L4.4b) assume no biases.
genbounds train --arch 784-100-10 --no-bias --epochs 5 --seed 1 --out "$model"
paper_args=()
[ "$PAPERS" != all ] && paper_args=(--paper "$PAPERS")
summary=$(mktemp)
genbounds verify "$model" "${paper_args[@]}" --samples "$SAMPLES" --trials "$TRIALS" --seed 1 --out reports/main --json > "$summary"
/usr/bin/python3 - "$summary" <<'PY'
import json, sys
o = json.load(open(sys.argv[1]))
counts = ", ".join(f"{n} {label}" for label, n in o["verdicts"].items())
print(f"report: {o['report']}")
print(f"verdicts ({o['papers']}, {o['results']} results of {o['statements']} statements): {counts}; mutants rejected {o['mutants_rejected']}/{o['mutants']}; {o['wall_seconds']:.0f} s")
# Name what a theorist looks at first: statements (not mutants) found violated, and mutants the checker let through.
import os, collections
rep = json.load(open(os.path.join(o["report"], "report.json")))
violated, missed = collections.OrderedDict(), collections.OrderedDict()
kind = {st["id"]: (st.get("mutation") or {}).get("kind") for st in rep["statements"]}
for r in rep["results"]:
    sid, mode = r["statement"], r["mode"]
    label = r["verdict"] if isinstance(r["verdict"], str) else r["verdict"].get("label", "")
    if "~mutant-" not in sid and label == "violated": violated.setdefault(sid, []).append(mode)
    # Diagnostic mutants report a discrepancy; only a false-on-purpose mutant that survives is a weak check.
    if r.get("mutant_rejected") is False and kind.get(sid) != "diagnostic": missed.setdefault(sid, []).append(mode)
fmt = lambda d: "; ".join(f"{k} ({', '.join(v)})" for k, v in d.items()) or "none"
print(f"violated: {fmt(violated)}")
print(f"false-on-purpose mutants not rejected: {fmt(missed)}")
PY
rm -f "$summary"
