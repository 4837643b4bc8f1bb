#!/usr/bin/env bash
# Train on a slurm cluster with srun, one task per GPU:
#   [GPUS=8] [GPUS_PER_NODE=8] [CPUS_PER_TASK=5] [SRUN_ARGS="..."] \
#       bash tools/slurm_train.sh PARTITION JOB_NAME CONFIG [train.py options]
# GPUS is the job's total number of GPUs (tasks); more than GPUS_PER_NODE spans
# several nodes. SRUN_ARGS are further srun options (split at spaces). Each task
# reads its rank and the world from slurm's variables (--launcher slurm); the
# processes meet at the first node on MASTER_PORT (default 29500). PYTHON picks the
# interpreter (default: python).
set -euo pipefail
fail() { echo "$0: $*" >&2; exit 2; }
[[ $# -ge 3 ]] || fail "usage: $0 PARTITION JOB_NAME CONFIG [train.py options]"
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
positive() {  # NAME: the variable NAME holds a positive integer
    [[ "${!1}" =~ ^[1-9][0-9]*$ ]] || fail "$1 must be a positive integer, got '${!1}'"
}
GPUS=${GPUS:-8}
positive GPUS
GPUS_PER_NODE=${GPUS_PER_NODE:-$((GPUS < 8 ? GPUS : 8))}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
positive GPUS_PER_NODE
positive CPUS_PER_TASK
SRUN_ARGS=${SRUN_ARGS:-""}
PYTHON=${PYTHON:-python}
[[ -f "$CONFIG" ]] || fail "config $CONFIG not found"
TOOLS="$(cd "$(dirname "$0")" && pwd)"

# shellcheck disable=SC2086  # SRUN_ARGS holds several options
PYTHONPATH="$TOOLS/..${PYTHONPATH:+:$PYTHONPATH}" \
exec srun -p "$PARTITION" \
    --job-name="$JOB_NAME" \
    --gres=gpu:"$GPUS_PER_NODE" \
    --ntasks="$GPUS" \
    --ntasks-per-node="$GPUS_PER_NODE" \
    --cpus-per-task="$CPUS_PER_TASK" \
    --kill-on-bad-exit=1 \
    $SRUN_ARGS \
    "$PYTHON" -u "$TOOLS/train.py" "$CONFIG" --launcher slurm "${@:4}"
