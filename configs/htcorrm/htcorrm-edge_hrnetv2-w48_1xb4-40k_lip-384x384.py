# HTCorrM, human edges as the main task, HRNetV2-W48 backbone, on LIP (Tab. 9: edge
# + parsing + pose).
_base_ = [
    '../_base_/models/htcorrm_hrnetv2-w48.py', '../_base_/datasets/lip_edge.py',
    '../_base_/schedules/htcorrm_edge_40k.py'
]
custom_imports = dict(imports=['mmhtc'], allow_failed_imports=False)
crop_size = (384, 384)
edge_loss = dict(type='BalancedEdgeLoss', reduction='sum')
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(
        num_classes=2,
        out_channels=1,
        threshold=0.5,
        loss_decode=edge_loss,
        core=dict(
            main='edge',
            num_classes=20,
            loss_weights=dict(parsing=0.08, pose=200.0, edge=1.0),
            losses=dict(edge=edge_loss))))
