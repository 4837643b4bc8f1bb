#!/usr/bin/env bash
# Train with torchrun, one process per GPU:
#   bash tools/dist_train.sh CONFIG PROCESSES_PER_NODE [train.py options]
# Several machines: run the same command on each, with the same NNODES, MASTER_ADDR
# (the address of the machine with NODE_RANK=0) and PORT, and its own NODE_RANK
# (0 .. NNODES-1). PYTHON picks the interpreter (default: python). On machines
# without GPUs each process trains on CPUs and they talk over gloo
# (env_cfg.dist_cfg.backend='gloo').
set -euo pipefail
fail() { echo "$0: $*" >&2; exit 2; }
[[ $# -ge 2 ]] || fail "usage: $0 CONFIG PROCESSES_PER_NODE [train.py options]"
CONFIG=$1
NPROC=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}
PYTHON=${PYTHON:-python}
[[ -f "$CONFIG" ]] || fail "config $CONFIG not found"
[[ "$NPROC" =~ ^[1-9][0-9]*$ ]] ||
    fail "PROCESSES_PER_NODE must be a positive integer, got '$NPROC'"
[[ "$NNODES" =~ ^[1-9][0-9]*$ ]] ||
    fail "NNODES must be a positive integer, got '$NNODES'"
[[ "$NODE_RANK" =~ ^[0-9]+$ && "$NODE_RANK" -lt "$NNODES" ]] ||
    fail "NODE_RANK must be in 0 .. NNODES-1 = $((NNODES - 1)), got '$NODE_RANK'"
TOOLS="$(cd "$(dirname "$0")" && pwd)"

PYTHONPATH="$TOOLS/..${PYTHONPATH:+:$PYTHONPATH}" \
exec "$PYTHON" -m torch.distributed.run \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$NPROC" \
    --master_port="$PORT" \
    "$TOOLS/train.py" \
    "$CONFIG" \
    --launcher pytorch "${@:3}"
