"""What a trainer sees when something is wrong: prints [exception type, message] pairs as JSON.

    python errors.py URL TOKEN
"""
import json
import os
import sys

from idxflow_client import IdxflowDataset, IdxflowError, StatefulLoader, merge_states

url, token = sys.argv[1:3]


def outcome(action):
    try:
        action()
        return ['none', '']
    except (IdxflowError, ValueError, TypeError) as error:
        return [type(error).__name__, str(error)]


def first(**options):
    return lambda: next(iter(IdxflowDataset(url, **options)))


def rank_state(rank, position, epoch=0, world_size=2):
    """What state_dict() gives for rank ``rank`` of ``world_size`` of the default stream."""
    return {'epoch': epoch, 'position': position, 'offset': 0, 'rank': rank, 'world_size': world_size, 'ended': False,
            'seed': None, 'split': None, 'eval': False}


def resumed_at(state, **options):
    def action():
        dataset = IdxflowDataset(url, token=token, **options)
        dataset.load_state_dict(state)
        next(iter(dataset))
    return action


def resumed_past_the_share():
    resumed_at(rank_state(0, 30_001), rank=0, world_size=2)()


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
    'otherWorldSize': outcome(resumed_at(rank_state(0, 700), rank=0, world_size=3)),
    'otherRank': outcome(resumed_at(rank_state(0, 700), rank=1, world_size=2)),
    # What state_dict() gave before it recorded rank and offset: from 2 ranks, loaded by 1.
    'withoutKeys': outcome(resumed_at({'epoch': 0, 'position': 700, 'seed': None, 'split': None, 'eval': False, 'world_size': 2},
                                      rank=0, world_size=1)),
    'differentSteps': outcome(lambda: merge_states([rank_state(0, 700), rank_state(1, 600)])),
    'rankMissing': outcome(lambda: merge_states([rank_state(0, 700)])),
    'rankTwice': outcome(lambda: merge_states([rank_state(0, 700), rank_state(0, 700)])),
    'otherEpochs': outcome(lambda: merge_states([rank_state(0, 700, epoch=1), rank_state(1, 700, epoch=2)])),
    'pastTheEpoch': outcome(resumed_at({'epoch': 0, 'offset': 60_001, 'ended': False, 'seed': None, 'split': None, 'eval': False},
                                       rank=0, world_size=3)),
    'severalUrlsNoBatch': outcome(lambda: IdxflowDataset([url, 'http://127.0.0.1:9'])),
    'refusalNotRetried': outcome(lambda: next(iter(IdxflowDataset([url, 'http://127.0.0.1:9'], token=token, split='tset', batch_size=10)))),
    'oneUrlTwice': outcome(lambda: next(iter(IdxflowDataset('http://127.0.0.1:9', attempts=2, batch_size=10)))),
    'noServerOfTwo': outcome(lambda: next(iter(IdxflowDataset(['http://127.0.0.1:9', 'http://127.0.0.1:10'], batch_size=10)))),
    'noServer': outcome(lambda: next(iter(IdxflowDataset('http://127.0.0.1:9', token=token)))),
}))
