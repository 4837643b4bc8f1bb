# NPPNet retrained with the architecture found by this package's two search stages,
# at the paper's retraining settings: pass the genotype.yaml written by
# nppnet_search-interaction-fusion_c64-l12_4xb4-50e_lip-384x384.py with
# --cfg-options model.network.genotype=PATH.
_base_ = ['./nppnet_c128-l16_4xb4-120e_lip-384x384.py']
model = dict(
    network=dict(
        genotype=None,
        genotype_from='configs/nppnet/'
        'nppnet_search-interaction-fusion_c64-l12_4xb4-50e_lip-384x384.py'))
