# MPII, one sample per person, for pose as the main task (HTCorrM: 256 x 256, as for
# LIP pose), with generated parsing maps (LIP classes) as auxiliary targets. PCKh
# with mmpose's head boxes.
_base_ = './lip_pose.py'
dataset_type = 'MPIIHumanDataset'
data_root = 'data/mpii'
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        data_root=data_root,
        data_mode='topdown',
        ann_file='annotations/mpii_train.json',
        data_prefix=dict(img='images/', seg_map_path='parsing/'),
        pipeline={{_base_.train_pipeline}}))
val_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        data_root=data_root,
        data_mode='topdown',
        ann_file='annotations/mpii_val.json',
        headbox_file=f'{data_root}/annotations/mpii_gt_val.mat',
        data_prefix=dict(img='images/'),
        test_mode=True,
        pipeline={{_base_.val_pipeline}}))
test_dataloader = val_dataloader
# PCKh as HTCorrM Tab. 5 tabulates it (Head = head top, as the HRNet script it
# compares with); mmpose's MpiiPCKAccuracy shifts predictions by 1 pixel
# (docs/evaluation.md).
val_evaluator = dict(_delete_=True, type='MPIIPCKhMetric', head_joints=(9, ))
test_evaluator = val_evaluator
