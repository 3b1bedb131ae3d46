#!/usr/bin/env bash
# Issue 17, point 4: the explaining attribute against weak ground truth on real catalogues, on a CPU.
#   H&M:   held-out pairs sharing exactly one labelled colour group or pattern (graphical appearance)
#   MANGO: held-out pairs sharing exactly one colour group or fabric, plus the removal-oracle
#          accuracy and fast vs RISE insertion/deletion on test pairs.
# The data is internal evaluation data (../shared/data, see its SOURCE.md files): never copied
# into the repository. Models and caches go to $WORK (outside the repository).
# Run from the repository root: bash bench/experiments/explain_weak_truth.sh
set -euo pipefail
DATA=${DATA:-../shared/data}
WORK=${WORK:-/tmp/weak-truth}
RESULTS=bench/experiments/results
RISE_MASKS=${RISE_MASKS:-500}   # RISE-2000 with the Lite0 trunk is ~50 s per map on 2 free cores
SALIENCY_PAIRS=${SALIENCY_PAIRS:-30}
export SANE_CACHE_HOME="$WORK/cache" SANE_INDEX_HOME="$WORK/index"
mkdir -p "$WORK"
SANE=".venv/bin/sane-desktop"

# H&M: the frozen Lite0 trunk, attribute head (no outfits: items split 80/10/10 by crc32 of the id)
$SANE train "$DATA/hm-articles" --out "$WORK/hm.pt" --seed 0 --json > "$RESULTS/explain_weak_truth_hm_train.json"
$SANE evaluate-explanations "$DATA/hm-articles" --model "$WORK/hm.pt" --pairs 300 --weak-truth colour,pattern \
    --save-selection "$WORK/hm.weak.selection.json" --json > "$RESULTS/explain_weak_truth_hm.json"

# MANGO: heads on the frozen trunk, trained on the item-disjoint train split; train fits the
# selection (mango.selection.json) on validation pairs against the removal oracle
$SANE train "$DATA/mango-outfits" --out "$WORK/mango.pt" --seed 0 --json > "$RESULTS/explain_weak_truth_mango_train.json"
$SANE evaluate-explanations "$DATA/mango-outfits" --model "$WORK/mango.pt" --pairs 150 --weak-truth colour,fabric \
    --weak-truth-oracle --save-selection "$WORK/mango.weak.selection.json" --json \
    > "$RESULTS/explain_weak_truth_mango.json"
$SANE evaluate-explanations "$DATA/mango-outfits" --model "$WORK/mango.pt" --pairs "$SALIENCY_PAIRS" \
    --method fast --method rise --rise-masks "$RISE_MASKS" --selection "$WORK/mango.selection.json" --json \
    > "$RESULTS/explain_weak_truth_mango_saliency.json"
