"""NPPNet: search spaces, PC-DARTS choices, genotypes and the network."""
from .genotype import (GenotypeError, check_genotype, derive_cell, derive_interaction,
                       load_genotype, save_genotype)
from .mixed_op import (ArchitectureParameters, MixedOp, architecture_parameters,
                       channel_shuffle)
from .network import NPPNetwork

__all__ = [
    'ArchitectureParameters', 'GenotypeError', 'MixedOp', 'NPPNetwork',
    'architecture_parameters', 'channel_shuffle', 'check_genotype', 'derive_cell',
    'derive_interaction', 'load_genotype', 'save_genotype'
]
