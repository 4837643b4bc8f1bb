# HTCorrM, pose as the main task, HRNetV2-W48, on MPII (Tab. 8: pose + parsing +
# edge).
_base_ = [
    '../_base_/models/htcorrm-pose_hrnetv2-w48.py', '../_base_/datasets/mpii_pose.py',
    '../_base_/schedules/htcorrm_pose_220e.py'
]
custom_imports = dict(imports=['mmhtc'], allow_failed_imports=False)
train_dataloader = dict(batch_size=16)
