#!/usr/bin/env bash
# Run ON THE LENT GPU (device `run` with carry=[".whl"], after benchmarks/gpu_wheels.sh here):
#   bash benchmarks/gpu_suite.sh        # GAN bf16 (both step variants) + fp32 at the paper's size,
#                                        # then the DRSN in bf16; at most ~9.5 min
# Results (JSON) and logs go to $OUT (the device's return folder) or ./gpu-output. Each benchmark
# is capped by `timeout`, so one slow case cannot eat the device budget.
# Local smoke run (CPU, tiny):  SKIP_INSTALL=1 PY=.venv/bin/python GAN_ARGS="--batch 2 --width 0.03125
#   --size 64 --steps 2 --warmup 1" DRSN_ARGS="--size 32 --width 0.25 --batch 8 --steps 2 --repeat 3"
#   bash benchmarks/gpu_suite.sh
set -uo pipefail
OUT="${OUT:-gpu-output}"
PY="${PY:-python3}"
GAN_ARGS="${GAN_ARGS:---batch 64 --width 1.0}"
DRSN_ARGS="${DRSN_ARGS:---size 256 --width 1.0 --batch 64}"
mkdir -p "$OUT"
if [ -z "${SKIP_INSTALL:-}" ]; then
    "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
    export PYTHONPATH="/tmp/site:$PWD"
else
    export PYTHONPATH="$PWD"
fi
export KERAS_BACKEND=jax XLA_PYTHON_CLIENT_PREALLOCATE=false
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>/dev/null | tee "$OUT/gpu.txt"
"$PY" -c "import jax, keras; print('jax', jax.__version__, jax.devices(), 'keras', keras.__version__)" 2>/dev/null \
    | tee -a "$OUT/gpu.txt"

summary() {  # the figures that matter from one GAN result file
    "$PY" -c "
import json, sys
r = json.load(open(sys.argv[1]))
print({k: r.get(k) for k in ('images_per_s', 'ms_per_step', 'tflop_per_step_analytic', 'mfu', 'losses_first_last',
                             'losses_finite', 'breakdown_ms', 'precision_audit')})" "$1"
}
gan() {  # name, seconds, precision, extra args
    local name=$1 limit=$2 precision=$3; shift 3
    echo "== $name"
    # shellcheck disable=SC2086
    timeout "$limit" "$PY" benchmarks/gpu_gan.py $GAN_ARGS --precision "$precision" "$@" --json \
        > "$OUT/$name.json" 2> "$OUT/$name.log"
    echo "   rc $?"
    summary "$OUT/$name.json" 2>/dev/null || tail -5 "$OUT/$name.log"
}
# --reuse-fake first: its 1.54 TFLOP step is the anchor's (~1.55: PyTorch's DCGAN reuses the batch)
gan gan_bf16_reuse 200 mixed_bfloat16 --reuse-fake
gan gan_bf16 120 mixed_bfloat16 --no-breakdown
gan gan_fp32_reuse 120 float32 --reuse-fake --no-breakdown
echo "== drsn_bf16"
# shellcheck disable=SC2086
timeout 110 "$PY" benchmarks/gpu_drsn.py --backend jax $DRSN_ARGS --mixed-bfloat16 --json "$OUT/drsn_bf16.json" \
    > "$OUT/drsn_bf16.log" 2>&1
echo "   rc $?"
tail -30 "$OUT/drsn_bf16.log" | grep -v "^WARNING\|^I0000\|^E0000" | tail -25
