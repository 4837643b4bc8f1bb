# HTCorrM, parsing as the main task, hrnetv2-w48 backbone, on ATR (Tab. 3).
_base_ = [
    '../_base_/models/htcorrm_hrnetv2-w48.py', '../_base_/datasets/atr_parsing.py',
    '../_base_/schedules/htcorrm_parsing_180e.py'
]
custom_imports = dict(imports=['mmhtc'], allow_failed_imports=False)
crop_size = (384, 384)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=18, core=dict(num_keypoints=17)))
