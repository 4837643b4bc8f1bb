# HTCorrM, parsing as the main task, r101-d16 backbone, on LIP (Tab. 2).
_base_ = [
    '../_base_/models/htcorrm_r101-d16.py', '../_base_/datasets/lip_parsing.py',
    '../_base_/schedules/htcorrm_parsing_180e.py'
]
custom_imports = dict(imports=['mmhtc'], allow_failed_imports=False)
crop_size = (384, 384)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=20, core=dict(num_keypoints=16)))
