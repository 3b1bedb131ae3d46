#!/usr/bin/env bash
# Every check that needs a GPU, as one prepared run for the `device` tool (a task gets 15 minutes of
# device time, start-up included), from the repository root:
#
#   run(command="bash bench/gpu_checks.sh", timeout_s=540)            # plus carry=[".whl"] if wheels
#
# The device image has torch/torchvision but not SQLAlchemy, FAISS or Qt; none of the checks below
# needs them. Wheels put in .whl/ (see the device tool's README) are installed first, and the FAISS
# GPU check runs only if faiss imports. Results land in $OUT (bench/results/gpu when OUT is unset):
# six files, within the tool's eight; logs go to the output.
# A smoke run on a CPU: OUT=$(mktemp -d) GPU_CHECKS_ALLOW_CPU=1 ITEMS=120 EPOCHS=1 bash bench/gpu_checks.sh
set -uo pipefail
OUT=${OUT:-bench/results/gpu}
ITEMS=${ITEMS:-4000}
EPOCHS=${EPOCHS:-8}
# the project's virtualenv where there is one (here), else the image's python (the device)
if [ -x .venv/bin/python ]; then PY=${PYTHON:-.venv/bin/python}; else PY=${PYTHON:-python3}; fi
WORK=$(mktemp -d)  # the demo catalogue and model of this run, never someone else's
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
if ls .whl/*.whl >/dev/null 2>&1; then
    $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
        && export PYTHONPATH="$PYTHONPATH:/tmp/site"
fi

step() { echo "== $1 ($(date +%T))"; }

step "versions"
nvidia-smi > "$OUT/versions.txt" 2>&1
$PY -c "import torch, torchvision; print(torch.__version__, torchvision.__version__, 'cuda', torch.cuda.is_available())" \
    | tee -a "$OUT/versions.txt"
if ! $PY -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" && [ -z "${GPU_CHECKS_ALLOW_CPU:-}" ]; then
    echo "no CUDA device: nothing to check"; exit 2
fi
DEVICE=$($PY -c "import torch; print('cuda' if torch.cuda.is_available() else 'cpu')")

step "CUDA tests (RISE in bf16 against fp32 on the CPU; the gpu preset's recipe in bf16)"
timeout 150 $PY -m pytest -q -p no:cacheprovider tests/test_explain_saliency.py tests/test_training.py \
    -k "cuda or gpu or saliency" 2>&1 | tee "$OUT/cuda_tests.txt" | tail -3

step "explanation speed: fast, RISE-2000 (target <= 0.2 s a map), sliding, RISE reuse"
timeout 150 $PY bench/bench_explain.py --device "$DEVICE" --out "$OUT/explain_$DEVICE.json" 2>&1 | tail -40

step "gpu preset end to end: $ITEMS-item demo, $EPOCHS epochs, then evaluate"
$PY -m sane_desktop demo "$WORK/demo" --items "$ITEMS" --seed 0 > /dev/null
timeout 240 $PY -m sane_desktop train "$WORK/demo" --out "$WORK/model.pt" --preset gpu --seed 0 \
    --epochs "$EPOCHS" --time-budget 0 --json > "$OUT/train_gpu.json"
timeout 90 $PY -m sane_desktop evaluate "$WORK/demo" --model "$WORK/model.pt" --json > "$OUT/evaluate_gpu.json"
$PY -c "import json; m = json.load(open('$OUT/evaluate_gpu.json'))['methods']['model']; print('test FITB', m['fitb'], 'AUC', m['auc'])"

if $PY -c "import faiss" 2>/dev/null; then
    step "FAISS on the GPU: retrieval tests"
    timeout 90 $PY -m pytest -q -p no:cacheprovider tests/test_retrieval*.py 2>&1 | tee "$OUT/faiss_tests.txt" | tail -3
else
    echo "faiss not importable here: FAISS GPU check skipped" | tee "$OUT/faiss_tests.txt"
fi
step "done"
