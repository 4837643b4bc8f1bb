"""NPPNet genotype files: reading, checking and writing YAML, and deriving
genotypes from architecture parameters (NPPNet Sec. 4.3).

A genotype is a dict with up to four parts (format of
``configs/nppnet/genotypes/nppnet_lip_paper.yaml``):

- ``encoder``: the ``normal`` and ``reduce`` cells, used by both branches (the
  published architecture), or per branch (``pose``, ``parsing``) its own two.
- ``decoder``: per branch (``pose``, ``parsing``) the cell of its three decoding
  cells (the authors' ``upsample1`` and ``upsample2``).
- ``interaction``: ``task1`` (encoder, pose <- parsing), ``task2`` (encoder,
  parsing <- pose), ``task3`` (decoder, pose <- parsing), ``task4`` (decoder,
  parsing <- pose): per target node a list of ``[op, source]`` pairs.
- ``fusion``: the ``pose`` and ``par`` cells (3 inputs).

A cell is 8 ``[op, state]`` pairs: node k sums pairs 2k and 2k+1; states are the
inputs, then the nodes.
"""
import copy
import os.path as osp
from typing import Dict, List, Sequence, Union

import yaml

from .mixed_op import ArchitectureParameters
from .operations import OPS
from .structure import (BRANCHES, CELL_NUM_INPUTS, INTERACTION_TASKS, NUM_NODES,
                        PART_CELLS, cell_edges, interaction_sources)


class GenotypeError(ValueError):
    """A genotype that names an unknown operation, state or part."""


def _check_pair(pair, where: str, limit: int) -> List:
    if not (isinstance(pair, (list, tuple)) and len(pair) == 2):
        raise GenotypeError(f'{where}: expected [op, index], got {pair!r}')
    name, index = pair
    if name not in OPS:
        raise GenotypeError(f'{where}: unknown operation {name!r}; expected '
                            f'one of {sorted(OPS)}')
    if not isinstance(index, int) or not 0 <= index < limit:
        raise GenotypeError(f'{where}: input index {index!r} out of range '
                            f'0..{limit - 1}')
    return [name, index]


def _check_cell(cell, where: str, num_inputs: int) -> List[List]:
    if not isinstance(cell, (list, tuple)) or len(cell) != 2 * NUM_NODES:
        raise GenotypeError(f'{where}: a cell lists {2 * NUM_NODES} '
                            f'[op, index] pairs, got {cell!r}')
    return [
        _check_pair(pair, f'{where}[{i}]', num_inputs + i // 2)
        for i, pair in enumerate(cell)
    ]


def _check_keys(table, allowed: Sequence[str], where: str) -> None:
    if not isinstance(table, dict):
        raise GenotypeError(f'{where}: expected a mapping, got {table!r}')
    unknown = set(table) - set(allowed)
    if unknown:
        raise GenotypeError(f'{where}: unknown keys {sorted(unknown)}; '
                            f'expected {list(allowed)}')
    missing = set(allowed) - set(table)
    if missing:
        raise GenotypeError(f'{where}: missing keys {sorted(missing)}')


def _check_cells(table, part: str, where: str) -> Dict[str, List]:
    _check_keys(table, PART_CELLS[part], where)
    return {
        name: _check_cell(table[name], f'{where}.{name}', CELL_NUM_INPUTS[name])
        for name in PART_CELLS[part]
    }


def _check_interaction(table, where: str) -> Dict[str, List]:
    _check_keys(table, tuple(INTERACTION_TASKS), where)
    checked = {}
    for task, (stage, _) in INTERACTION_TASKS.items():
        nodes = table[task]
        limits = interaction_sources(stage)
        if not isinstance(nodes, (list, tuple)) or len(nodes) != len(limits):
            raise GenotypeError(f'{where}.{task}: expected {len(limits)} '
                                f'target nodes, got {nodes!r}')
        checked[task] = []
        for t, (pairs, limit) in enumerate(zip(nodes, limits)):
            if not isinstance(pairs, (list, tuple)):
                raise GenotypeError(f'{where}.{task}[{t}]: expected a list of '
                                    f'[op, source] pairs, got {pairs!r}')
            checked[task].append([
                _check_pair(pair, f'{where}.{task}[{t}][{i}]', limit)
                for i, pair in enumerate(pairs)
            ])
    return checked


def check_genotype(genotype: dict, source: str = 'genotype') -> dict:
    """Validate a genotype and give every branch its own encoder cells.

    Args:
        genotype: The parsed genotype.
        source: Name used in error messages (the file).

    Returns:
        dict: the genotype with ``encoder`` keyed by branch.

    Raises:
        GenotypeError: naming ``source`` and the key of the first problem.
    """
    if not isinstance(genotype, dict):
        raise GenotypeError(f'{source}: a genotype is a mapping, got '
                            f'{type(genotype).__name__}')
    parts = ('encoder', 'decoder', 'interaction', 'fusion')
    unknown = set(genotype) - set(parts)
    if unknown:
        raise GenotypeError(f'{source}: unknown parts {sorted(unknown)}; '
                            f'expected some of {list(parts)}')
    checked = {}
    if 'encoder' in genotype:
        table = genotype['encoder']
        if isinstance(table, dict) and set(table) <= set(PART_CELLS['encoder']):
            cells = _check_cells(table, 'encoder', f'{source}: encoder')
            table = {b: copy.deepcopy(cells) for b in BRANCHES}
        _check_keys(table, BRANCHES, f'{source}: encoder')
        checked['encoder'] = {
            branch: _check_cells(table[branch], 'encoder',
                                 f'{source}: encoder.{branch}')
            for branch in BRANCHES
        }
    if 'decoder' in genotype:
        _check_keys(genotype['decoder'], BRANCHES, f'{source}: decoder')
        checked['decoder'] = {
            branch:
            _check_cell(genotype['decoder'][branch], f'{source}: decoder.{branch}',
                        CELL_NUM_INPUTS['upsample'])
            for branch in BRANCHES
        }
    if 'interaction' in genotype:
        checked['interaction'] = _check_interaction(genotype['interaction'],
                                                    f'{source}: interaction')
    if 'fusion' in genotype:
        checked['fusion'] = _check_cells(genotype['fusion'], 'fusion',
                                         f'{source}: fusion')
    return checked


def load_genotype(genotype: Union[str, dict, None]) -> dict:
    """A checked genotype from a YAML file, a dict, or None (empty)."""
    if genotype is None:
        return {}
    if isinstance(genotype, dict):
        return check_genotype(genotype)
    if not osp.isfile(genotype):
        raise FileNotFoundError(f'genotype file not found: {genotype}')
    with open(genotype) as f:
        try:
            data = yaml.safe_load(f)
        except yaml.YAMLError as error:
            raise GenotypeError(f'{genotype}: not valid YAML: {error}') from None
    return check_genotype(data, genotype)


def save_genotype(genotype: dict, path: str) -> None:
    """Write a checked genotype as YAML (one cell or node per line)."""
    genotype = check_genotype(genotype, path)
    with open(path, 'w') as f:
        yaml.safe_dump(
            genotype, f, default_flow_style=None, sort_keys=False, width=1000)


def derive_cell(arch: ArchitectureParameters, op_names: Sequence[str],
                num_inputs: int) -> List[List]:
    """The DARTS rule: per node the two incoming edges with the strongest
    operation (weight gamma = softmax(beta) * softmax(alpha)), each with that
    operation; pairs of a node in decreasing weight."""
    gamma = arch.gamma().detach()
    genotype, start = [], 0
    for n in cell_edges(num_inputs):
        best_weight, best_op = gamma[start:start + n].max(dim=1)
        for j in best_weight.argsort(descending=True)[:2].tolist():
            genotype.append([op_names[int(best_op[j])], j])
        start += n
    return genotype


def derive_interaction(arch: ArchitectureParameters,
                       op_names: Sequence[str],
                       threshold: float = 0.7,
                       max_ops: int = 4) -> List[List[List]]:
    """NPPNet's interaction rule: per target node the (source, op) pairs in decreasing
    gamma, kept until their summed gamma reaches ``threshold`` or ``max_ops`` are
    kept."""
    gamma = arch.gamma().detach()
    nodes, start = [], 0
    for n in arch.edges_per_node:
        weights = gamma[start:start + n].flatten()
        order = weights.argsort(descending=True).tolist()
        kept, total = [], 0.0
        for index in order[:max_ops]:
            kept.append([op_names[index % len(op_names)], index // len(op_names)])
            total += float(weights[index])
            if total >= threshold:
                break
        nodes.append(kept)
        start += n
    return nodes
