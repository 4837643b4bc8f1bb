# NPPNet retrained with the published architecture (searched on LIP by the authors;
# configs/nppnet/genotypes/nppnet_lip_paper.yaml) at the paper's size: C=128, L=16,
# 3 pose and 3 parsing cells, 384 x 384, Adam 1e-3 for 120 epochs; flip and
# multi-scale test. Paper (Tab. 1, 2): LIP val mIoU 58.56, LIP test PCKh 88.9.
_base_ = [
    '../_base_/models/nppnet.py', '../_base_/datasets/lip_nppnet.py',
    '../_base_/schedules/nppnet_120e.py'
]
custom_imports = dict(imports=['mmhtc'], allow_failed_imports=False)
model = dict(network=dict(genotype='{{fileDirname}}/genotypes/nppnet_lip_paper.yaml'))
