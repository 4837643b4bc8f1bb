# PASCAL-Person-Part, image level with all persons (7 parsing classes, 14 joints
# from a COCO-format json; NPPNet: 384 x 384). Parsing PNGs made by
# tools/dataset_converters/pascal_person_part.py.
_base_ = './lip_parsing.py'
dataset_type = 'PascalPersonPartHumanDataset'
data_root = 'data/pascal_person_part'
data_prefix = dict(img_path='JPEGImages', seg_map_path='pascal_person_part_gt')
train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='train_id.txt',
        pose_file='pose_annotations_train.json',
        data_prefix=data_prefix))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='val_id.txt',
        pose_file='pose_annotations_val.json',
        data_prefix=data_prefix))
test_dataloader = val_dataloader
