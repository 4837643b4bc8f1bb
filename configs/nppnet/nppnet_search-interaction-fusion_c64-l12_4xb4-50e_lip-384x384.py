# NPPNet search, stage 2 (Sec. 4.2): the multi-scale interaction and the fusion
# cells, with the encoder-decoders fixed to the genotype that stage 1 derived: run
# nppnet_search-encdec_c64-l12_4xb4-50e_lip-384x384.py first and pass its work dir's
# genotype.yaml (or any genotype with encoder and decoder cells) with
# --cfg-options model.network.genotype=PATH. The genotype this stage writes (work
# dir, genotype.yaml) is complete and retrains with
# nppnet-searched_c128-l16_4xb4-120e_lip-384x384.py.
_base_ = ['./nppnet_search-encdec_c64-l12_4xb4-50e_lip-384x384.py']
model = dict(
    network=dict(
        search=('interaction', 'fusion'),
        genotype=None,
        genotype_from='configs/nppnet/'
        'nppnet_search-encdec_c64-l12_4xb4-50e_lip-384x384.py'))
