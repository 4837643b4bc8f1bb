# HTCorrM Tab. 7 method 10: the full model trained with pose pseudo-labels of
# AlphaPose instead of SimpleBaseline (another COCO-format pose file).
_base_ = './htcorrm_r101-d16_2xb4-180e_cihp-384x384.py'
train_dataloader = dict(dataset=dict(pose_file='Training/pose_coco_alphapose.json'))
