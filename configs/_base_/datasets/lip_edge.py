# LIP for human edges as the main task (HTCorrM Tab. 9): LIP's image-level training
# pipeline; for testing, 1-pixel edges between parsing classes at the original
# resolution, scored by ODS / OIS (BSDS protocol).
_base_ = './lip_parsing.py'
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(384, 384), keep_ratio=True),
    dict(type='LoadHumanAnnotations'),
    dict(type='GenerateHumanEdge', edge_width=1),
    dict(type='PackHumanSegInputs'),
]
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(_delete_=True, type='EdgeMetric')
test_evaluator = val_evaluator
