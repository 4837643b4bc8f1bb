# mmseg's own HRNetV2-W18 FCN model, runtime and 80k schedule, on mmhtc's LIP with
# the joint pipeline (which supplies the pose and edge targets), with the decode
# head replaced by HTCorrM's (parsing main task): custom_imports and _base_ only.
_base_ = [
    'mmseg::_base_/models/fcn_hr18.py', '../_base_/datasets/lip_parsing.py',
    'mmseg::_base_/default_runtime.py', 'mmseg::_base_/schedules/schedule_80k.py'
]
custom_imports = dict(imports=['mmhtc'], allow_failed_imports=False)
branches = (18, 36, 72, 144)
model = dict(
    data_preprocessor=dict(size=(384, 384), test_cfg=dict(size_divisor=32)),
    decode_head=dict(
        _delete_=True,
        type='HTCorrMSegHead',
        in_channels=list(branches),
        in_index=(0, 1, 2, 3),
        channels=256,
        num_classes=20,
        norm_cfg={{_base_.norm_cfg}},
        loss_decode=dict(type='CrossEntropyLoss', loss_weight=1.0),
        core=dict(
            main='parsing',
            num_keypoints=16,
            encoders=dict(
                parsing=dict(
                    type='ParsingEncoder',
                    in_channels=(sum(branches), branches[0]),
                    in_index=((0, 1, 2, 3), 0)),
                pose=dict(type='PoseEncoder', in_channels=branches[2], in_index=2),
                edge=dict(
                    type='EdgeEncoder', in_channels=branches[:3], in_index=(0, 1, 2))),
            loss_weights=dict(parsing=1.0, pose=50.0, edge=2.0),
            losses=dict(
                parsing=dict(type='CrossEntropyLoss'),
                pose=dict(type='mmpose.KeypointMSELoss', use_target_weight=True),
                edge=dict(type='BalancedEdgeLoss')))))
