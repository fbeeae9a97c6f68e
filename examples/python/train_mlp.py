"""Trains a 784-256-10 MLP for one epoch on augmented MNIST streamed by ``idxflow serve``, then
tests it on the server's evaluation stream of the untouched test split.

    pnpm idxflow serve --rotate 10 --shift 2 --port 8080 &    # serves the splits train and test
    pip install './clients/python[torch]'
    python examples/python/train_mlp.py http://127.0.0.1:8080 --workers 2

The dataset reads RANK and WORLD_SIZE as torchrun sets them, so under torchrun each process
trains on its own share of the epoch (wrap the model in DistributedDataParallel to train one
model). Prints one JSON line: the test accuracy, the samples trained on, the seconds taken.
"""
import argparse
import json
import math
import time

import torch
from idxflow_client import IdxflowDataset, StatefulLoader

TRAIN_SAMPLES = 60_000  # MNIST's train split: the learning rate decays to 0 over its epoch


class Standardize(torch.nn.Module):
    """(x - mean) / std with MNIST's pixel mean and standard deviation (of v / 255)."""

    def forward(self, x):
        return (x - 0.1307) / 0.3081


def mlp():
    """784-256-10 with ReLU, the model of examples/tfjs-train.ts."""
    return torch.nn.Sequential(Standardize(), torch.nn.Flatten(), torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))


def train_epoch(model, loader, steps, lr=4e-3):
    """One pass over ``loader``'s ``(x, y, ...)`` batches with Adam, the learning rate decaying
    linearly from ``lr`` to 0 over ``steps`` batches; returns the number of samples seen."""
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: max(0.0, 1 - step / steps))
    model.train()
    seen = 0
    for x, y, *_ in loader:
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
        schedule.step()
        seen += len(y)
    return seen


@torch.no_grad()
def evaluate(model, batches):
    """The predicted classes and the labels of every ``(x, y, ...)`` of ``batches``, in order."""
    model.eval()
    predicted, labels = zip(*[(model(x).argmax(1), y) for x, y, *_ in batches])
    return torch.cat(predicted), torch.cat(labels)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('url', help='the server, e.g. http://127.0.0.1:8080')
    parser.add_argument('--token', help="the server's --token")
    parser.add_argument('--workers', type=int, default=0, help='DataLoader workers (default 0)')
    args = parser.parse_args()
    torch.manual_seed(0)
    model = mlp()
    began = time.perf_counter()
    train = IdxflowDataset(args.url, token=args.token, seed=1, batch_size=128)
    steps = math.ceil(math.ceil(TRAIN_SAMPLES / train.world_size) / 128)
    seen = train_epoch(model, StatefulLoader(train, num_workers=args.workers), steps)
    test = IdxflowDataset(args.url, token=args.token, split='test', eval=True, batch_size=1000, rank=0, world_size=1)
    predicted, labels = evaluate(model, test)
    accuracy = (predicted == labels).double().mean().item()
    print(json.dumps({'accuracy': accuracy, 'trained': seen, 'seconds': round(time.perf_counter() - began, 1)}))


if __name__ == '__main__':
    main()
