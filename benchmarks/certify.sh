#!/usr/bin/env bash
# Certified PAC-Bayes benchmark (issue 10 targets), end to end per set-up: prior, posterior, certificate, test errors.
# Targets: MNIST FCN 784-600-600-600-10 with a learnt prior ≤ 0.025 and with a data-free prior ≤ 0.30, each in
# under 15 minutes on 2 cores; Dziugaite–Roy's binary MNIST T-600 as a second reproduction (their bound ≈ 0.16,
# recalled, not verified). Run it alone: `flock /work/bench.lock bash benchmarks/certify.sh`.
#   usage: bash benchmarks/certify.sh [SETUPS] [SEED] [THREADS]
#     SETUPS  comma list of learnt, learnt-shift, data-free, data-free-subspace, dr17, dr17-subspace (default: all)
#     SEED    master seed (default 2: the hyper-parameters were tuned on seed 1's splits, so seed 2's bound split is fresh)
# Prints one line per set-up: certificate, target, stochastic and deterministic test errors, KL, m, MC draws, wall time.
set -euo pipefail
cd "$(dirname "$0")/.."
setups=${1:-learnt,learnt-shift,data-free,data-free-subspace,dr17,dr17-subspace}
seed=${2:-2}
threads=${3:-$(nproc)}
bash scripts/setup.sh >/dev/null
dotnet build src/GenBounds.Cli -c Release -v q -nologo >/dev/null
genbounds() { dotnet src/GenBounds.Cli/bin/Release/net10.0/genbounds.dll "$@"; }
out=benchmarks/results/certify; mkdir -p "$out"
# The tuned set-ups (see README "Certified PAC-Bayes"); every choice is visible in the JSON's "setup". The data-free
# bound set is all of MNIST's training set, on which its set-up was chosen among the ones tried (18 recorded, at most
# 64): --selected-from 64 pays for that choice with delta/64 and delta'/64.
declare -A args
args[learnt]="--preset pbb-learnt --prior-epochs 30 --prior-dropout 0 --prior-sigma 0.005 --epochs 3 --optimizer sgd --lr 0.01 --mc-passes 5"
args[learnt-shift]="--preset pbb-learnt --prior-epochs 30 --prior-dropout 0 --prior-shift 2 --prior-sigma 0.005 --epochs 3 --optimizer sgd --lr 0.01 --mc-passes 5"
args[data-free]="--preset pbb-data-free --prior-sigma 0.03 --epochs 30 --optimizer sgd --lr 0.005 --kl-penalty 0.1 --rho-lr-factor 1000 --mc-passes 5 --selected-from 64 --rescale-posterior"
# The data-free subspace prior N(mu0, s^2 I + tau^2 PP^T) (docs/pacbayes.md §3b), chosen on the same bound set (counted in the 64).
args[data-free-subspace]="--preset pbb-data-free --subspace 1000 --subspace-noise 0.005 --epochs 30 --optimizer adam --lr 0.01 --kl-penalty 1e-6 --mc-passes 5 --selected-from 64"
# Dziugaite–Roy's binary task with the subspace prior instead of their isotropic one (a reading of the reproduction; the
# binary bound set has seen at most 8 set-ups: --selected-from 8).
args[dr17-subspace]="--preset dr17 --subspace 500 --subspace-noise 0.005 --posterior-start prior --epochs 60 --optimizer adam --lr 0.01 --kl-penalty 1e-6 --mc-passes 5 --selected-from 8"
args[dr17]="--preset dr17 --prior-epochs 20 --epochs 20 --optimizer sgd --lr 0.001 --mc-passes 5"
declare -A target=([learnt]=0.025 [learnt-shift]=0.025 [data-free]=0.30 [data-free-subspace]=0.30 [dr17]=0.16 [dr17-subspace]=0.16)
for s in ${setups//,/ }; do
  [ -n "${args[$s]:-}" ] || { echo "unknown set-up '$s'" >&2; exit 2; }
  start=$(date +%s.%N)
  # shellcheck disable=SC2086
  genbounds certify ${args[$s]} --seed "$seed" --threads "$threads" --json --out "$out/$s.json" > /dev/null
  end=$(date +%s.%N)
  /usr/bin/python3 -c "import json,sys; o=json.load(open(sys.argv[1])); o['bench_wall_seconds']=float(sys.argv[3])-float(sys.argv[2]); o['target']=float(sys.argv[4]); json.dump(o, open(sys.argv[1],'w'), indent=1)" "$out/$s.json" "$start" "$end" "${target[$s]}"
done
/usr/bin/python3 - "$out" "$setups" <<'PY'
import json, sys
out, setups = sys.argv[1], sys.argv[2].split(",")
print(f"{'set-up':<14}{'certificate':>12}{'target':>8}{'met':>5}{'stoch. test':>12}{'det. test':>10}{'KL':>10}{'m':>7}{'MC draws':>10}{'wall s':>8}{'<15 min':>8}")
for s in setups:
    o = json.load(open(f"{out}/{s}.json")); c = o["certificate"]
    w = o["bench_wall_seconds"]
    print(f"{s:<14}{c['certificate']:>12.4f}{o['target']:>8.3f}{('yes' if c['certificate'] <= o['target'] else 'no'):>5}{o['stochastic_test_error']:>12.4f}"
          f"{o['deterministic_test_error']:>10.4f}{c['kl']:>10.1f}{c['bound_set_size']:>7}{c['mc_draws']:>10}{w:>8.0f}{('yes' if w < 900 else 'no'):>8}")
print("confidence: 1 - (delta + delta') = 1 - (0.025 + 0.01) for every row; stage seconds in", out)
PY
