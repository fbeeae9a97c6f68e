"""What a trainer sees when something is wrong: prints [exception type, message] pairs as JSON.

    python errors.py URL TOKEN
"""
import json
import os
import sys

from idxflow_client import IdxflowDataset, IdxflowError, StatefulLoader

url, token = sys.argv[1:3]


def outcome(action):
    try:
        action()
        return ['none', '']
    except (IdxflowError, ValueError, TypeError) as error:
        return [type(error).__name__, str(error)]


def first(**options):
    return lambda: next(iter(IdxflowDataset(url, **options)))


def resumed_past_the_share():
    dataset = IdxflowDataset(url, token=token, rank=0, world_size=2)
    dataset.load_state_dict({'epoch': 0, 'position': 30_001})
    next(iter(dataset))


def from_environment():
    os.environ.update(RANK='2', WORLD_SIZE='2')
    try:
        IdxflowDataset(url, token=token)
    finally:
        del os.environ['RANK'], os.environ['WORLD_SIZE']


print(json.dumps({
    'wrongToken': outcome(first(token='nope')),
    'unknownSplit': outcome(first(token=token, split='tset')),
    'pastTheShare': outcome(resumed_past_the_share),
    'otherStream': outcome(lambda: IdxflowDataset(url, token=token, seed=1).load_state_dict({'epoch': 0, 'position': 5, 'seed': 2})),
    'rankFromEnvironment': outcome(from_environment),
    'persistentWorkers': outcome(lambda: StatefulLoader(IdxflowDataset(url), num_workers=2, persistent_workers=True)),
    'noServer': outcome(lambda: next(iter(IdxflowDataset('http://127.0.0.1:9', token=token)))),
}))
