"""Multi-task loss weighting by learned homoscedastic uncertainty."""
from typing import Dict, Sequence

import torch
from torch import Tensor, nn


class UncertaintyWeighting(nn.Module):
    """Kendall et al.'s weighting, as NPPNet uses it: each task's loss L_t becomes L_t *
    exp(-s_t) + s_t with a learned s_t (initially 0).

    Args:
        tasks: The task names.
    """

    def __init__(self, tasks: Sequence[str]) -> None:
        super().__init__()
        self.log_vars = nn.ParameterDict(
            {task: nn.Parameter(torch.zeros(()))
             for task in tasks})

    def forward(self, losses: Dict[str, Tensor]) -> Dict[str, Tensor]:
        """Raw losses by task -> the weighted terms ``loss_<task>``."""
        return {
            f'loss_{task}': loss * torch.exp(-self.log_vars[task]) + self.log_vars[task]
            for task, loss in losses.items()
        }
