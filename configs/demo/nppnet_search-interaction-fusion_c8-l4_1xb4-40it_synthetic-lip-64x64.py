# Stage 2 of the demo search: interaction and fusion, with the encoder-decoder cells
# fixed to the genotype stage 1 derived (its work dir's genotype.yaml, passed with
# --cfg-options model.network.genotype=PATH). The
# genotype written at the end is complete and retrains with
# nppnet-searched_c8-l4_1xb8-200it_synthetic-lip-64x64.py.
_base_ = ['./nppnet_search-encdec_c8-l4_1xb4-40it_synthetic-lip-64x64.py']
model = dict(
    network=dict(
        search=('interaction', 'fusion'),
        genotype=None,
        genotype_from='configs/demo/'
        'nppnet_search-encdec_c8-l4_1xb4-40it_synthetic-lip-64x64.py'))
