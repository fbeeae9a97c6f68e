"""Trains examples/python/train_mlp.py's MLP for one epoch through the client, then tests it on
the server's evaluation stream of the test split and on the raw test files read here with numpy.

    python mlp.py URL TOKEN RAW_DIR

Prints JSON: both accuracies, the samples trained on, the training seconds, whether the eval
stream's pixels, labels and indices equal the raw files', and their SHA-256.
"""
import hashlib
import json
import math
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', 'examples', 'python'))
from train_mlp import evaluate, mlp, train_epoch  # noqa: E402

from idxflow_client import IdxflowDataset, StatefulLoader  # noqa: E402

url, token, raw_dir = sys.argv[1:4]
torch.manual_seed(0)
model = mlp()
began = time.perf_counter()
train = IdxflowDataset(url, token=token, seed=1, batch_size=128, rank=0, world_size=1)
trained = train_epoch(model, StatefulLoader(train, num_workers=1), steps=math.ceil(60_000 / 128))
seconds = time.perf_counter() - began

test = IdxflowDataset(url, token=token, split='test', eval=True, batch_size=1000, rank=0, world_size=1, with_indices=True)
batches = list(test)
predicted, labels = evaluate(model, batches)
pixels = np.rint(torch.cat([x for x, _, _ in batches]).double().numpy() * 255).astype(np.uint8)
indices = torch.cat([i for _, _, i in batches]).numpy().astype('<u4')

# The untouched test split, from the IDX files themselves: 16-byte and 8-byte headers.
raw_images = np.fromfile(os.path.join(raw_dir, 't10k-images-idx3-ubyte'), np.uint8, offset=16).reshape(-1, 1, 28, 28)
raw_labels = np.fromfile(os.path.join(raw_dir, 't10k-labels-idx1-ubyte'), np.uint8, offset=8)
raw_batches = [(torch.from_numpy(raw_images[i:i + 1000]).float() / 255, torch.from_numpy(raw_labels[i:i + 1000]))
               for i in range(0, len(raw_images), 1000)]
raw_predicted, _ = evaluate(model, raw_batches)
sha = lambda a: hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()  # noqa: E731
print(json.dumps({
    'accuracy': (predicted == labels).double().mean().item(),
    'rawAccuracy': float((raw_predicted.numpy() == raw_labels).mean()),
    'trained': trained,
    'seconds': round(seconds, 1),
    'samePixels': bool(np.array_equal(pixels, raw_images)),
    'sameLabels': bool(np.array_equal(labels.numpy(), raw_labels)),
    'sha256': {'pixels': sha(pixels), 'labels': sha(labels.numpy().astype(np.uint8)), 'indices': sha(indices)},
}))
