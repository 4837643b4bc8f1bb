# NPPNet retrained with the architecture found by this package's two search stages
# (the genotype written by
# nppnet_search-interaction-fusion_c64-l12_4xb4-50e_lip-384x384.py), at the paper's
# retraining settings.
_base_ = ['./nppnet_c128-l16_4xb4-120e_lip-384x384.py']
model = dict(
    network=dict(
        genotype='work_dirs/'
        'nppnet_search-interaction-fusion_c64-l12_4xb4-50e_lip-384x384/'
        'genotype.yaml'))
