"""One rank of a DistributedDataParallel job over idxflow serve, as a launcher would start it:
RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT in the environment, gloo over TCP. (Debian's
torch 1.13 launcher, torch.distributed.run, fails on Python 3.11, so the test starts the ranks.)

    python distributed.py first URL CKPT STEPS      # epoch 0 for STEPS steps, then the checkpoint
    python distributed.py resume URL CKPT           # loads the checkpoint, trains to the end of epoch 0
    python distributed.py failover URL1,URL2 PID STEP [ATTEMPTS]
        # the whole epoch 0 with 2 DataLoader workers from the servers at URL1, URL2 (or one URL
        # tried ATTEMPTS times); rank 0 kills PID at STEP

Each prints JSON: its rank, the indices of the samples it trained on in order, its steps, and
for `first` the merged state rank 0 saved.
"""
import json
import os
import signal
import sys

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from idxflow_client import IdxflowDataset, StatefulLoader, merge_states

SEED, BATCH = 7, 128


def setup():
    rank, world_size = int(os.environ['RANK']), int(os.environ['WORLD_SIZE'])
    address = f"tcp://{os.environ['MASTER_ADDR']}:{os.environ['MASTER_PORT']}"
    dist.init_process_group('gloo', init_method=address, rank=rank, world_size=world_size)
    torch.manual_seed(0)
    model = DistributedDataParallel(torch.nn.Linear(28 * 28, 10))
    return rank, model, torch.optim.SGD(model.parameters(), lr=0.1)


def step(model, optimizer, x, y):
    optimizer.zero_grad()
    torch.nn.functional.cross_entropy(model(x.flatten(1)), y).backward()  # DDP all-reduces the gradients
    optimizer.step()


def first(url, path, steps):
    rank, model, optimizer = setup()
    train = IdxflowDataset(url, seed=SEED, batch_size=BATCH, with_indices=True)  # RANK, WORLD_SIZE from the environment
    loader = StatefulLoader(train)
    train.set_epoch(0)
    seen = []
    for x, y, indices in loader:
        step(model, optimizer, x, y)
        seen.extend(indices.tolist())
        if len(seen) == steps * BATCH:
            break
    states = [None] * dist.get_world_size()
    dist.all_gather_object(states, loader.state_dict())
    merged = merge_states(states)
    if rank == 0:
        torch.save({'model': model.module.state_dict(), 'optimizer': optimizer.state_dict()}, path + '.pt')
        with open(path, 'w') as file:
            json.dump(merged, file)
    dist.barrier()
    return {'rank': rank, 'indices': seen, 'steps': steps, 'merged': merged}


def resume(url, path):
    rank, model, optimizer = setup()
    saved = torch.load(path + '.pt')
    model.module.load_state_dict(saved['model'])
    optimizer.load_state_dict(saved['optimizer'])
    with open(path) as file:
        state = json.load(file)
    train = IdxflowDataset(url, seed=SEED, batch_size=BATCH, with_indices=True)
    loader = StatefulLoader(train)
    loader.load_state_dict(state)
    seen, steps = [], 0
    for epoch in range(state['epoch'], 1):
        train.set_epoch(epoch)
        for x, y, indices in loader:
            step(model, optimizer, x, y)
            seen.extend(indices.tolist())
            steps += 1
    return {'rank': rank, 'indices': seen, 'steps': steps, 'end': loader.state_dict()}


def failover(urls, pid, kill_at, attempts):
    rank, model, optimizer = setup()
    train = IdxflowDataset(urls.split(','), seed=SEED, batch_size=BATCH, with_indices=True, attempts=attempts)
    loader = StatefulLoader(train, num_workers=2)
    seen, steps = [], 0
    for x, y, indices in loader:
        step(model, optimizer, x, y)
        seen.extend(indices.tolist())
        steps += 1
        if steps == kill_at and rank == 0:
            os.kill(pid, signal.SIGKILL)  # mid-epoch: the server dies with streams open to both ranks
    return {'rank': rank, 'indices': seen, 'steps': steps, 'end': loader.state_dict()}


if __name__ == '__main__':
    mode = sys.argv[1]
    if mode == 'first':
        result = first(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif mode == 'resume':
        result = resume(sys.argv[2], sys.argv[3])
    else:
        result = failover(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]) if len(sys.argv) > 5 else None)
    dist.destroy_process_group()
    print(json.dumps(result))
