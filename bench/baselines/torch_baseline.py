#!/usr/bin/env python3
"""PyTorch/torchvision baseline for the idxflow transform benchmarks.

Times one epoch over MNIST images held in memory, through a torch Dataset whose
__getitem__ applies per-sample transforms the way users normally write them, and a
DataLoader(batch_size=128, shuffle=True). The cases match bench/cases/transforms.ts:

  none     ToTensor + Normalize((0.1307,), (0.3081,))
  affine   RandomAffine(degrees=15, translate=(2/28, 2/28), bilinear) + ToTensor + Normalize
  elastic  affine, then the Simard (2003) elastic deformation (alpha 34, sigma 4) with
           scipy's gaussian_filter + map_coordinates, then ToTensor + Normalize
  randaugment     RandAugment(2, 9) + ToTensor + Normalize      (idxflow case e)
  trivialaugment  TrivialAugmentWide() + ToTensor + Normalize   (idxflow case f)

The timed part is the epoch alone (time.perf_counter around the DataLoader loop). File
reading, gunzip and IDX decoding happen before and are not timed. With --workers 0 the
process calls torch.set_num_threads(1), so the figure is a single-core one. With
--workers W > 0 each epoch includes starting W worker processes (the DataLoader default,
persistent_workers=False), as users see it.

Example:
  python3 torch_baseline.py --images train-images-idx3-ubyte.gz \
      --labels train-labels-idx1-ubyte.gz --case affine --workers 2 --json
"""
import argparse
import gzip
import json
import statistics
import time

import numpy as np
import torch
import torchvision
from PIL import Image
from scipy.ndimage import gaussian_filter, map_coordinates
from torch.utils.data import DataLoader, Dataset
from torchvision import transforms
from torchvision.transforms import InterpolationMode

MEAN, STD = (0.1307,), (0.3081,)


def read_maybe_gzipped(path):
    """Return the file's bytes, gunzipped if it starts with the gzip magic 1f 8b."""
    with open(path, 'rb') as f:
        data = f.read()
    return gzip.decompress(data) if data[:2] == b'\x1f\x8b' else data


def parse_idx(path, magic, offset):
    """Decode an unsigned-byte IDX file (images: magic 2051, labels: magic 2049)."""
    data = read_maybe_gzipped(path)
    found = int.from_bytes(data[0:4], 'big')
    if found != magic:
        raise ValueError(f'{path}: IDX magic {found}, expected {magic}')
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], 'big') for i in range(magic & 0xFF)]
    array = np.frombuffer(data, dtype=np.uint8, offset=offset)
    if array.size != int(np.prod(dims)):
        raise ValueError(f'{path}: {array.size} bytes of data for dims {dims}')
    return array.reshape(dims)


def elastic_transform(image, alpha, sigma, random_state):
    """Elastic deformation of a 2-D image as in Simard, Steinkraus and Platt (2003)."""
    shape = image.shape
    dx = gaussian_filter(random_state.uniform(-1, 1, shape), sigma, mode='constant', cval=0) * alpha
    dy = gaussian_filter(random_state.uniform(-1, 1, shape), sigma, mode='constant', cval=0) * alpha
    x, y = np.meshgrid(np.arange(shape[1]), np.arange(shape[0]))
    indices = np.reshape(y + dy, (-1, 1)), np.reshape(x + dx, (-1, 1))
    return map_coordinates(image, indices, order=1, mode='constant').reshape(shape)


class Elastic:
    """PIL image -> elastically deformed uint8 numpy array (a fresh RandomState per sample,
    seeded from torch's generator, which the DataLoader seeds differently per worker)."""

    def __init__(self, alpha=34.0, sigma=4.0):
        self.alpha, self.sigma = alpha, sigma

    def __call__(self, img):
        rs = np.random.RandomState(int(torch.randint(0, 2**31 - 1, ())))
        return elastic_transform(np.asarray(img), self.alpha, self.sigma, rs)


def make_transform(case):
    affine = transforms.RandomAffine(degrees=15, translate=(2 / 28, 2 / 28),
                                     interpolation=InterpolationMode.BILINEAR)
    tail = [transforms.ToTensor(), transforms.Normalize(MEAN, STD)]
    steps = {'none': [], 'affine': [affine], 'elastic': [affine, Elastic(34.0, 4.0)],
             'randaugment': [transforms.RandAugment(2, 9)], 'trivialaugment': [transforms.TrivialAugmentWide()]}[case]
    return transforms.Compose(steps + tail)


class MnistArray(Dataset):
    """In-memory MNIST over a decoded (N, 28, 28) uint8 array, like torchvision's MNIST."""

    def __init__(self, images, labels, transform):
        self.images, self.labels, self.transform = images, labels, transform

    def __len__(self):
        return len(self.images)

    def __getitem__(self, index):
        img = Image.fromarray(self.images[index], mode='L')
        return self.transform(img), int(self.labels[index])


def run_epoch(loader):
    """Iterate one full epoch, touching every batch; returns (images seen, checksum)."""
    seen, checksum = 0, 0.0
    for x, y in loader:
        seen += x.shape[0]
        checksum += float(x.sum())
    return seen, checksum


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--images', required=True, help='IDX images file, raw or gzipped')
    p.add_argument('--labels', required=True, help='IDX labels file, raw or gzipped')
    p.add_argument('--case', choices=['none', 'affine', 'elastic', 'randaugment', 'trivialaugment'], required=True)
    p.add_argument('--runs', type=int, default=3, help='timed epochs (default 3)')
    p.add_argument('--workers', type=int, default=0, help='DataLoader num_workers (default 0)')
    p.add_argument('--batch', type=int, default=128)
    p.add_argument('--limit', type=int, default=None, help='only the first K images')
    p.add_argument('--json', action='store_true', help='print one JSON line')
    args = p.parse_args()

    images = parse_idx(args.images, 2051, 16)
    labels = parse_idx(args.labels, 2049, 8)
    if len(images) != len(labels):
        raise ValueError(f'{len(images)} images but {len(labels)} labels')
    if args.limit is not None:
        images, labels = images[:args.limit], labels[:args.limit]
    if args.workers == 0:
        torch.set_num_threads(1)  # clean single-core figure

    dataset = MnistArray(images, labels, make_transform(args.case))
    loader = DataLoader(dataset, batch_size=args.batch, shuffle=True,
                        num_workers=args.workers, drop_last=False)
    runs = []
    for _ in range(args.runs):
        start = time.perf_counter()
        seen, _checksum = run_epoch(loader)
        runs.append(time.perf_counter() - start)
        assert seen == len(dataset), (seen, len(dataset))

    median = statistics.median(runs)
    result = {
        'case': args.case, 'workers': args.workers, 'images': len(dataset),
        'runs': [round(r, 4) for r in runs], 'median_seconds': round(median, 4),
        'images_per_second': round(len(dataset) / median, 1),
        'torch': torch.__version__, 'torchvision': torchvision.__version__,
    }
    if args.json:
        print(json.dumps(result))
    else:
        cores = 'single-core (workers 0, 1 torch thread)' if args.workers == 0 else f'workers {args.workers}'
        print(f"torch baseline {args.case}, {cores}: {len(dataset)} images, "
              f"median {median:.3f} s of {args.runs} -> {result['images_per_second']:.0f} images/s "
              f"(torch {torch.__version__}, torchvision {torchvision.__version__})")


if __name__ == '__main__':
    main()
