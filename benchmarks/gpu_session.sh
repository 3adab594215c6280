#!/usr/bin/env bash
# GPU work in as few device calls as possible: training a study model and its checks, and the
# render and model benchmarks (used for run V and the H100 figures of 2026-11-23).
# Runs on the GPU machine (Python 3.12 with torch, numpy, scipy, pandas, pyyaml, tqdm, pillow and
# matplotlib; no Django, nothing installed from this repository): every step is a plain script.
#
#   bash benchmarks/gpu_session.sh figures              # render + model benchmarks (~3 min)
#   bash benchmarks/gpu_session.sh train CONFIG MINUTES # train, evaluate, ground truth (~MINUTES+1)
#   bash benchmarks/gpu_session.sh resume NAME          # go on with a training longer than a call
#   bash benchmarks/gpu_session.sh observer             # train an observer as shipped (untimed on the GPU)
#
# Writes into $OUT (the device tool's return folder; default ./gpu_out). `train` packs the new
# checkpoint as checkpoint.tar.part-* (15 MB pieces, under the tool's 16 MiB per-file limit) right
# after training, then the examples picture and one reports_<name>.tar (logs, evaluation, ground
# truth), so that at most 8 files come back:
#   cat checkpoint.tar.part-* | tar -x -C checkpoints/   (unpacks to checkpoints/<run name>/)
# Environment: DEVICE (default cuda), VARIANTS (default 20), EVAL_N (held-out scenes, 2000),
# CF_N (counterfactual rows, 200), GT_N (ground-truth scenes, 5000), GT_CF (the ground truth's
# counterfactual rows, 100), OBSERVER (the observer folder the ground truth uses, default
# checkpoints/study/observer; after a change to the generator, train one with `observer` first,
# copy the returned observer/ folder into the working tree and name it here), LIMIT (seconds the
# device call may run, 590: the checks after training are cut off before it, and the bundle is
# packed first so it comes back regardless; a check that was cut off can be rerun on any machine
# from the bundle).
# DEVICE=cpu VARIANTS=1 EVAL_N=100 CF_N=8 GT_N=50 GT_CF=4 is a quick dry run. After the ground
# truth, `train` prints benchmarks/cf_levers.py's verdict (issue #21's target, what it keeps).
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1
OUT=${OUT:-gpu_out}
DEVICE=${DEVICE:-cuda}
VARIANTS=${VARIANTS:-20}
CF_N=${CF_N:-200}
GT_N=${GT_N:-5000}
EVAL_N=${EVAL_N:-2000}
GT_CF=${GT_CF:-100}
LIMIT=${LIMIT:-590}
OBSERVER=${OBSERVER:-checkpoints/study/observer}
PY=${PYTHON:-python3}
mkdir -p "$OUT"

stamp() { echo "== $(date -u +%FT%TZ) (${SECONDS} s) $*"; }
# run "$@" with what is left of LIMIT (less a margin for the transfer back)
in_time() { local left=$((LIMIT - SECONDS - 10)); [ "$left" -gt 5 ] || { echo "skipped, no time left: $*"; return 0; }
            timeout "$left" "$@" || echo "cut off or failed (rc $?): $*"; }
# tqdm redraws its bar with \r: keep every 100th redraw and every other line
thin_progress() { tr '\r' '\n' | awk 'NF && (!/ [0-9]+\/[0-9]+ \[[0-9:]+</ || ++n % 100 == 0)'; }

about_machine() {
  { date -u +%FT%TZ; uname -m; nvidia-smi --query-gpu=name,memory.total,driver_version \
      --format=csv,noheader 2>/dev/null || echo "no nvidia-smi";
    $PY -c 'import torch, sys; print(sys.version.split()[0], "torch", torch.__version__,
"cuda", torch.cuda.is_available())'; } | tee "$OUT/machine.txt"
}

figures() {
  stamp "render benchmark: every condition of study 2, $VARIANTS variants, $DEVICE"
  $PY benchmarks/render.py --device "$DEVICE" --variants "$VARIANTS" \
    --json "$OUT/render_$DEVICE.json" 2>&1 | tee "$OUT/render_$DEVICE.txt"
  stamp "model benchmark: train / encode / decode / counterfactual grid"
  $PY benchmarks/model.py --checkpoint checkpoints/study --device "$DEVICE" 2>&1 \
    | tee "$OUT/model_$DEVICE.txt"
}

train() {
  local config=$1 minutes=$2 name run
  name=$(basename "$config" .json)
  run=/tmp/gpu_runs/$name
  rm -rf "$run" && mkdir -p /tmp/gpu_runs
  # the config's time budget, overridden for this run only
  $PY - "$config" "$minutes" "$run.json" <<'EOF'
import json, sys
cfg = json.load(open(sys.argv[1]))
cfg["train"]["max_minutes"] = float(sys.argv[2])
json.dump(cfg, open(sys.argv[3], "w"), indent=2)
EOF
  stamp "training $config for $minutes min on $DEVICE into $run"
  train_and_check "$name"
}

# A budget longer than one call (MINUTES above ~8.5): the first call stops training at the call's
# limit (the state of the last checkpoint is kept), and the next call, made at once so that it
# finds the same machine still warm, continues it with `resume NAME` and then runs the checks.
resume() {
  local name=$1
  [ -f "/tmp/gpu_runs/$name/train_state.pt" ] || {
    echo "no /tmp/gpu_runs/$name/train_state.pt: the machine was given back, start again" >&2
    exit 3; }
  stamp "resuming /tmp/gpu_runs/$name on $DEVICE"
  train_and_check "$name" --resume
}

train_and_check() {
  local name=$1 run=/tmp/gpu_runs/$1 rc=0
  shift
  mkdir -p "$OUT/reports_$name"
  # leave about a minute of the call for the pieces and the checks (~40 s on the H100)
  timeout $((LIMIT - SECONDS - 60)) $PY -m explainers.models.train --config "$run.json" \
    --out "$run" --device "$DEVICE" "$@" 2>&1 | thin_progress | tee -a "$OUT/train_$name.txt" \
    || rc=$?
  if [ "$rc" -eq 124 ]; then
    stamp "training stopped at this call's time limit; continue at once (same machine) with:"
    echo "  bash benchmarks/gpu_session.sh resume $name"
    return 0
  elif [ "$rc" -ne 0 ]; then
    echo "training failed (rc $rc)" >&2
    exit "$rc"
  fi
  tar -C /tmp/gpu_runs --exclude train_state.pt -cf - "$name" | split -b 15M - "$OUT/checkpoint.tar.part-"
  stamp "held-out accuracy and counterfactual check"
  in_time $PY -m explainers.models.evaluate --checkpoint "$run" --n "$EVAL_N" --seed 1 --device "$DEVICE" \
    --counterfactuals "$CF_N" --examples "$OUT/cf_examples_$name.png" \
    > "$OUT/eval_$name.json"
  [ -s "$OUT/eval_$name.json" ] && $PY - "$OUT/eval_$name.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
print("accuracy", r["accuracy"])
for targets, rows in r.get("counterfactuals", {}).items():
    if isinstance(rows, dict) and "shown_searched" in rows:
        print(targets, {k: v["within_1pct"] for k, v in rows.items() if isinstance(v, dict)
                        and "within_1pct" in v})
EOF
  stamp "ground truth (with the observer in $OBSERVER)"
  in_time $PY -m explainers.models.feature_importance --checkpoint "$run" --n "$GT_N" \
    --observer "$OBSERVER" --counterfactuals "$GT_CF" --out "$OUT/ground_truth_$name" \
    --device "$DEVICE" > "$OUT/ground_truth_$name.txt" 2>&1
  thin_progress < "$OUT/ground_truth_$name.txt" | tail -n 40
  [ -s "$OUT/ground_truth_$name/ground_truth.json" ] && [ -s "$OUT/eval_$name.json" ] \
    && { $PY benchmarks/cf_levers.py verdict --ground-truth "$OUT/ground_truth_$name/ground_truth.json" \
           --eval "$OUT/eval_$name.json" | tee "$OUT/verdict_$name.txt" || true; }
  # at most 8 files come back: the bundle's pieces, the examples picture and one tar of the rest
  mv "$OUT/machine.txt" "$OUT/train_$name.txt" "$OUT/eval_$name.json" "$OUT/ground_truth_$name.txt" \
    "$OUT/ground_truth_$name" "$OUT/verdict_$name.txt" "$OUT/reports_$name/" 2>/dev/null || true
  tar -C "$OUT" -cf "$OUT/reports_$name.tar" "reports_$name" && rm -rf "$OUT/reports_$name"
  ls -l "$OUT"
}

# The observer as shipped (40 000 unbiased scenes, 25 epochs, seed 0) for the generator in this
# working tree: into $OUT/observer/ (weights ~4 MB and observer.json with the test MSE per factor).
observer() {
  stamp "observer: ${OBSERVER_N:-40000} unbiased scenes, ${OBSERVER_EPOCHS:-25} epochs, $DEVICE"
  in_time $PY -m explainers.models.observer --out "$OUT/observer" --train "${OBSERVER_N:-40000}" \
    --epochs "${OBSERVER_EPOCHS:-25}" --device "$DEVICE" 2>&1 | thin_progress | tail -n 30
}

about_machine
case "${1:-}" in
  figures) figures ;;
  train) [ $# -eq 3 ] || { echo "usage: $0 train CONFIG MINUTES" >&2; exit 2; }
         train "$2" "$3" ;;
  resume) [ $# -eq 2 ] || { echo "usage: $0 resume NAME" >&2; exit 2; }
          resume "$2" ;;
  observer) observer ;;
  *) echo "usage: $0 figures | train CONFIG MINUTES | resume NAME | observer" >&2; exit 2 ;;
esac
stamp done
