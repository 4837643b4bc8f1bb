from .htcorrm_core import HTCorrMCore
from .htcorrm_pose_head import HTCorrMPoseHead
from .htcorrm_seg_head import HTCorrMSegHead

__all__ = ['HTCorrMCore', 'HTCorrMSegHead', 'HTCorrMPoseHead']
