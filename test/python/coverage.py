"""One rank of a job (RANK and WORLD_SIZE from the environment, as torchrun sets them) reads
epochs 0 and 1 through a plain DataLoader with 3 workers; prints what it received as JSON.

    python coverage.py URL SEED BATCH WORKERS
"""
import json
import sys
import warnings

import torch
from torch.utils.data import DataLoader

from idxflow_client import IdxflowDataset

warnings.filterwarnings('ignore', message='This DataLoader will create')  # 3 workers on 2 cores is the point

url, seed, batch, workers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
dataset = IdxflowDataset(url, seed=seed, batch_size=batch, with_indices=True)
epochs = []
for epoch in (0, 1):
    dataset.set_epoch(epoch)
    x, y, indices = zip(*DataLoader(dataset, batch_size=None, num_workers=workers))
    epochs.append({
        'indices': torch.cat(indices).tolist(),
        'labels': torch.cat(y).tolist(),
        'batches': len(x),
        'shape': list(x[0].shape),
        'types': [str(x[0].dtype), str(y[0].dtype), str(indices[0].dtype)],
        'range': [min(b.min().item() for b in x), max(b.max().item() for b in x)],
    })
print(json.dumps({'rank': dataset.rank, 'worldSize': dataset.world_size, 'epochs': epochs}))
