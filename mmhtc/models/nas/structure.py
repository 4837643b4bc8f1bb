"""The structure of the NPPNet network: branches, levels, cells and their inputs.

Shared by the network's modules and the genotype files, which name its parts.
"""
from typing import List

#: The two task branches (Sec. 3.3), each an encoder-decoder.
BRANCHES = ('pose', 'parsing')
#: Encoder levels (1/4 to 1/32) and decoding cells (1/16 to 1/4) of a branch.
NUM_LEVELS, NUM_DECODER_CELLS = 4, 3
#: Intermediate nodes of every cell.
NUM_NODES = 4
#: Number of inputs of each cell type.
CELL_NUM_INPUTS = dict(normal=2, reduce=2, upsample=2, pose=3, par=3)
#: The cell types of each part with cells.
PART_CELLS = dict(
    encoder=('normal', 'reduce'), decoder=('upsample', ), fusion=('pose', 'par'))
#: Interaction task -> (stage, target branch); sources are the other branch's.
INTERACTION_TASKS = dict(
    task1=('encoder', 'pose'),
    task2=('encoder', 'parsing'),
    task3=('decoder', 'pose'),
    task4=('decoder', 'parsing'))
#: The high-level features (eq. 6) and the branch each comes from.
HIGH_LEVEL = dict(pose='pose', pose_aux='pose', parsing='parsing', edge='parsing')
#: The features each fusion cell reads, in genotype order (Sec. 3.5).
FUSION_INPUT_NAMES = dict(
    pose=('pose_aux', 'pose', 'parsing'), par=('edge', 'pose', 'parsing'))
#: The features each fusion cell writes: (its nodes, its inputs).
FUSION_OUTPUT_NAMES = dict(pose=('pose', 'pose_aux'), par=('parsing', 'edge'))


def cell_edges(num_inputs: int) -> List[int]:
    """Incoming edges of each node: node k reads the inputs and nodes 0..k-1."""
    return [num_inputs + k for k in range(NUM_NODES)]


def interaction_sources(stage: str) -> List[int]:
    """Sources each target node may read: encoder level t reads the other
    branch's levels 0..t; decoder output t reads its 4 levels and decoder
    outputs 0..t."""
    if stage == 'encoder':
        return [t + 1 for t in range(NUM_LEVELS)]
    return [NUM_LEVELS + t + 1 for t in range(NUM_DECODER_CELLS)]
