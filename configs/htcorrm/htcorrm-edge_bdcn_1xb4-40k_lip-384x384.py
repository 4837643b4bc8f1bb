# HTCorrM, human edges as the main task, BDCN backbone, on LIP (Tab. 9: edge +
# parsing + pose).
_base_ = [
    '../_base_/models/htcorrm-edge_bdcn.py', '../_base_/datasets/lip_edge.py',
    '../_base_/schedules/htcorrm_edge_40k.py'
]
custom_imports = dict(imports=['mmhtc'], allow_failed_imports=False)
crop_size = (384, 384)
model = dict(data_preprocessor=dict(size=crop_size))
