"""Jobs that change their number of ranks mid-epoch: each phase's ranks read their streams (one
process plays every rank: their streams are independent), stop after STEPS batches, and the
next phase loads merge_states() of their state_dict()s on its own number of ranks.

    python resize.py URL

Prints JSON: for each scenario the phases, each with its world size, batch, DataLoader
workers, batches per rank (None: to the end of the epoch), the indices each rank consumed,
and the merged state it left; and `again`: rank 1 of 2 loading a merged state at offset 1000,
then making two passes without set_epoch (the second is the whole share again).
"""
import json
import sys
import warnings

import torch

from idxflow_client import IdxflowDataset, StatefulLoader, merge_states

warnings.filterwarnings('ignore', message='This DataLoader will create')
SEED, EPOCH = 3, 1

# (name, [(world_size, batch, workers, batches per rank before the checkpoint; None: to the end)])
SCENARIOS = [
    ('2 -> 1 after 7 batches of 64', [(2, 64, 0, 7), (1, 50, 0, None)]),
    ('2 -> 1 at the start', [(2, 64, 0, 0), (1, 128, 0, None)]),
    ('2 -> 3 after 11 batches of 100, 2 workers', [(2, 100, 2, 11), (3, 64, 2, None)]),
    ('2 -> 3 after 23 batches of 128', [(2, 128, 0, 23), (3, 100, 0, None)]),
    ('3 -> 2 after 5 batches of 64', [(3, 64, 0, 5), (2, 100, 0, None)]),
    ('3 -> 2 at the end of the epoch', [(3, 64, 0, 32), (2, 64, 0, None)]),
    ('4 -> 3 after 13 batches of 37', [(4, 37, 0, 13), (3, 100, 0, None)]),
    ('4 -> 3 after 40 batches of 37, 2 workers', [(4, 37, 2, 40), (3, 64, 0, None)]),
    ('2 -> 3 -> 2 -> 4, cuts mid-batch of every batch size', [(2, 64, 0, 5), (3, 50, 0, 9), (2, 128, 0, 3), (4, 100, 0, None)]),
]


def phase(url, world_size, batch, workers, steps, state):
    """Every rank of one phase: its indices in order, and the merged state of all at the checkpoint."""
    ranks, states = [], []
    for rank in range(world_size):
        dataset = IdxflowDataset(url, seed=SEED, batch_size=batch, rank=rank, world_size=world_size, with_indices=True)
        loader = StatefulLoader(dataset, num_workers=workers)
        if state is not None:
            loader.load_state_dict(state)
        dataset.set_epoch(EPOCH)
        batches = iter(loader)
        # zip takes from the range first, so no batch past the checkpoint is drawn
        seen = [got[2] for got in batches] if steps is None else [got[2] for _, got in zip(range(steps), batches)]
        del batches  # the workers stop, as when the job is stopped
        ranks.append(torch.cat(seen).tolist() if seen else [])
        states.append(loader.state_dict())
    return ranks, merge_states(states)


def scenario(url, phases):
    out, state = [], None
    for world_size, batch, workers, steps in phases:
        ranks, state = phase(url, world_size, batch, workers, steps, state)
        out.append({'worldSize': world_size, 'batch': batch, 'workers': workers, 'steps': steps, 'ranks': ranks, 'merged': state})
    return out


def again(url):
    dataset = IdxflowDataset(url, seed=SEED, batch_size=128, rank=1, world_size=2, with_indices=True)
    loader = StatefulLoader(dataset, num_workers=2)
    loader.load_state_dict({'epoch': EPOCH, 'offset': 1000, 'ended': False, 'seed': SEED, 'split': None, 'eval': False})
    dataset.set_epoch(EPOCH)
    return [torch.cat([got[2] for got in loader]).tolist() for _ in range(2)]


if __name__ == '__main__':
    url = sys.argv[1]
    print(json.dumps({'seed': SEED, 'epoch': EPOCH, 'again': again(url),
                      'scenarios': [{'name': name, 'phases': scenario(url, phases)} for name, phases in SCENARIOS]}))
