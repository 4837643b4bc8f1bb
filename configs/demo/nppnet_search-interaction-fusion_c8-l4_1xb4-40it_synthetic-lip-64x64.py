# Stage 2 of the demo search: interaction and fusion, with the encoder-decoder cells
# fixed to the genotype stage 1 derived (its work dir's genotype.yaml). The
# genotype written at the end is complete and retrains with
# nppnet-searched_c8-l4_1xb8-200it_synthetic-lip-64x64.py.
_base_ = ['./nppnet_search-encdec_c8-l4_1xb4-40it_synthetic-lip-64x64.py']
model = dict(
    network=dict(
        search=('interaction', 'fusion'),
        genotype='work_dirs/nppnet_search-encdec_c8-l4_1xb4-40it_synthetic-lip-64x64/'
        'genotype.yaml'))
