"""A checkpoint taken mid-epoch with 2 DataLoader workers, resumed in another process with 0.

    python resume.py interrupt URL TOKEN STATE   # 7 batches of 100 with 2 workers, then saves state_dict() to STATE
    python resume.py resume URL TOKEN STATE      # loads STATE, reads the rest with 0 workers and batches of 128
    python resume.py whole URL TOKEN             # the same epoch uninterrupted, 0 workers, batches of 250

Each prints JSON: SHA-256 of the samples it read (x float32 bytes, y, indices), split at
sample 700 for `whole`, and the states it saw. Every run is rank 1 of 2, seed 5, epoch 2.
"""
import hashlib
import json
import sys

import torch

from idxflow_client import IdxflowDataset, StatefulLoader

CONSUMED = 700


def dataset(url, token, batch):
    return IdxflowDataset(url, token=token, seed=5, batch_size=batch, rank=1, world_size=2, with_indices=True)


def joined(batches):
    """(x, y, indices) batches as three tensors of all their samples, in order."""
    return tuple(torch.cat(column) for column in zip(*batches))


def digest(x, y, indices):
    """The number of samples and SHA-256 of their images (float32), labels and indices (int64)."""
    sha = lambda t: hashlib.sha256(t.numpy().tobytes()).hexdigest()  # noqa: E731
    return {'samples': len(y), 'x': sha(x), 'y': sha(y), 'indices': sha(indices)}


def interrupt(url, token, path):
    data = dataset(url, token, 100)
    data.set_epoch(2)
    loader = StatefulLoader(data, num_workers=2)
    batches = iter(loader)
    taken = [next(batches) for _ in range(CONSUMED // 100)]
    state = loader.state_dict()
    del batches  # the workers stop, as when a job is killed
    with open(path, 'w') as file:
        json.dump(state, file)
    return {'state': state, 'consumed': digest(*joined(taken))}


def resume(url, token, path):
    with open(path) as file:
        state = json.load(file)
    data = dataset(url, token, 128)
    loader = StatefulLoader(data, num_workers=0)
    loader.load_state_dict(state)
    data.set_epoch(state['epoch'])  # the usual epoch loop: the loaded epoch keeps its resume point
    batches = iter(loader)
    rest = [next(batches)]
    after_one = data.state_dict()
    rest.extend(batches)
    return {'afterOne': after_one, 'end': loader.state_dict(), 'rest': digest(*joined(rest))}


def whole(url, token):
    data = dataset(url, token, 250)
    data.set_epoch(2)
    columns = joined(list(data))
    return {'head': digest(*(c[:CONSUMED] for c in columns)), 'tail': digest(*(c[CONSUMED:] for c in columns)),
            'end': data.state_dict()}


if __name__ == '__main__':
    mode, url, token = sys.argv[1:4]
    result = {'interrupt': lambda: interrupt(url, token, sys.argv[4]), 'resume': lambda: resume(url, token, sys.argv[4]),
              'whole': lambda: whole(url, token)}[mode]()
    print(json.dumps(result))
