# NPPNet search, stage 1 (Sec. 4.2): the encoder-decoders of both branches (normal,
# reduction and decoding cells, separate architecture parameters per branch) with
# C=64, L=12 and partial channels K=2; no interaction or fusion yet. Weight-only
# warm-up for 15 epochs (as PC-DARTS), entropy regulariser from epoch 35 at the
# authors' scale (0.25 x the mean normalised entropy, about 0.25 at initialisation;
# entropy_reduction='sum', entropy_weight=1.0 is eq. 8 as written, about 220 at
# initialisation). C=64 is the authors' released search width (their
# INIT_CHANNELS=32 is half of the paper's C).
_base_ = [
    '../_base_/models/nppnet.py', '../_base_/datasets/lip_nppnet.py',
    '../_base_/schedules/nppnet_search_50e.py'
]
custom_imports = dict(imports=['mmhtc'], allow_failed_imports=False)
model = dict(
    network=dict(channels=64, num_cells=12, search=('encoder', 'decoder')),
    train_cfg=dict(
        warmup=15, entropy_from=35, entropy_weight=0.25, entropy_reduction='mean'),
    test_cfg=dict(scales=(1.0, ), flip=False))
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='SearchSplitDataset',
        dataset={{_base_.train_dataloader.dataset}}))
