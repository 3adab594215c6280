#!/usr/bin/env bash
# Rebuilds the worked example in docs/analysis/ (seeded, so the numbers are the same on every
# run). Run from the repository root:  docs/analysis/make_example.sh
# The study-2 report comes from a study run by bots on the live flow and exported by the export
# code (tests/bot_study.py; it needs the database of DATABASE_URL, PostgreSQL in development,
# and makes a throw-away test database beside it); the simulator writes the example CSV.
set -euo pipefail
PY=${PYTHON:-.venv/bin/python}
OUT=docs/analysis
WORK=$(mktemp -d)
PREREG=analysis/examples/two4two/study2.yaml
$PY -m tests.bot_study --seed 2022 --out $WORK/responses.csv
# the simulator's sessions, per-condition, per-attribute accuracies close to the paper's Table 2
$PY manage.py simulate_responses --prereg $PREREG --spec studies/specs/two4two-study2.yaml --n-per-condition 80 --seed 2022 \
  --accuracy inn:legs=1.0 inn:color=0.82 inn:background=0.79 inn:shape=0.90 inn:rotation=0.71 \
  baseline:legs=0.86 baseline:color=0.59 baseline:background=0.96 baseline:shape=0.93 \
  baseline:rotation=0.70 concepts:legs=0.46 concepts:color=0.32 concepts:background=0.19 \
  concepts:shape=0.32 concepts:rotation=0.32 \
  --out $OUT/simulated_responses.csv
# two annotators screen the free-text answers; their disagreements are settled in decisions.csv
$PY - "$WORK" <<'PYEOF'
import sys
import numpy as np
import pandas as pd
work = sys.argv[1]
r = pd.read_csv(f"{work}/responses.csv")
rel = r[(r["status"] == "completed") & (r["item_type"] == "relevance")]
done = rel.groupby("participant")["justification"].first()
rng = np.random.default_rng(7)
rows, decisions = [], []
for pid, text in done.items():
    copy = str(text).startswith("same as above")
    a = "exclude" if copy else "include"
    b = a if rng.random() > 0.08 else ("unsure" if a == "include" else "include")
    rows += [{"participant": pid, "annotator": "annotator_a", "label": a},
             {"participant": pid, "annotator": "annotator_b", "label": b}]
    if a != b:
        decisions.append({"participant": pid, "label": a})
pd.DataFrame(rows).to_csv(f"{work}/annotations.csv", index=False)
pd.DataFrame(decisions, columns=["participant", "label"]).to_csv(f"{work}/decisions.csv",
                                                                 index=False)
PYEOF
rm -rf $OUT/report && $PY manage.py analyze --responses $WORK/responses.csv --prereg $PREREG \
  --annotations $WORK/annotations.csv --decisions $WORK/decisions.csv --out $OUT/report
# power per number recruited; half of the recruited are excluded, as in the paper (192 of 385)
$PY manage.py simulate_responses --prereg $PREREG --power --sizes 20,40,80,160,240,320,480 \
  --reps 1000 --seed 1 --accuracy baseline=0.81 inn=0.85 concepts=0.33 --exclusion-rate 0.5 \
  --out $OUT/power
cp $WORK/responses.csv $OUT/bot_responses.csv
# study 1 (within-subject, exact one-sided McNemar tests), accuracies as in the paper's Table 2
P1=analysis/examples/two4two/study1.yaml
$PY manage.py simulate_responses --prereg $P1 --spec studies/specs/two4two-study1.yaml --n-per-condition 50 --seed 2021 \
  --accuracy baseline:legs=0.86 baseline:color=0.49 baseline:background=0.86 \
  baseline:shape=0.74 baseline:rotation=0.72 --out $WORK/study1.csv
rm -rf $OUT/study1 && $PY manage.py analyze --responses $WORK/study1.csv --prereg $P1 --out $OUT/study1
rm -rf "$WORK"
# re-analysis of Borowski et al. (2021) from the authors' public data, when it is available
DATA=${BOROWSKI_DATA:-../shared/data/borowski2021}
if [ -d "$DATA" ]; then
  rm -rf $OUT/borowski2021
  $PY manage.py analyze --prereg analysis/examples/borowski2021/experiment_I.yaml --out $OUT/borowski2021/experiment_I \
    --responses $DATA/experiment_I_main_practice_catch_repeated_trials_preprocessed.csv
  $PY manage.py analyze --prereg analysis/examples/borowski2021/experiment_II.yaml --out $OUT/borowski2021/experiment_II \
    --responses $DATA/experiment_II_main_practice_catch_trials_preprocessed.csv
fi
