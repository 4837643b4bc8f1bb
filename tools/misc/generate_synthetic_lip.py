"""Write a SYNTHETIC dataset in the layout and formats of LIP (Look Into Person).

Images, parsing labels and pose CSVs are drawn by
:func:`mmhtc.datasets.synthetic_lip.generate_synthetic_lip`; see that module for
what the data holds. A second run with the same arguments returns at once.

Usage:
    python tools/misc/generate_synthetic_lip.py data/synthetic_lip \\
        [--num-train 300] [--num-val 60] [--seed 0]
"""
import argparse
import time

from mmhtc.datasets.synthetic_lip import generate_synthetic_lip


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Generate a synthetic dataset in the LIP layout')
    parser.add_argument('out_dir', help='output folder (the LIP data root)')
    parser.add_argument(
        '--num-train', type=int, default=300, help='number of training images')
    parser.add_argument(
        '--num-val', type=int, default=60, help='number of validation images')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    start = time.perf_counter()
    generate_synthetic_lip(args.out_dir, args.num_train, args.num_val, args.seed)
    print(f'synthetic LIP data in {args.out_dir} '
          f'({time.perf_counter() - start:.1f} s)')


if __name__ == '__main__':
    main()
