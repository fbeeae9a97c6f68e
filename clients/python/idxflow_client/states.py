"""Training states: one rank's (``state_dict()``) and a whole job's (``merge_states()``).

A rank's state says where its stream is: ``offset`` (positions of the epoch's order that all
ranks had consumed when this stream began, 0 unless it was resumed from a merged state) and
``position`` (samples of this rank's stream consumed since). Rank r of W then has consumed
positions offset + r, offset + r + W, ... of the epoch's order, ``position`` of them, so the
states of all W ranks taken at one step hold exactly the positions [offset, offset + W·position):
a prefix of the order, which any number of ranks can stripe from there (the server's ``offset=``).
"""
from .checks import integer

#: What a state must agree on with the dataset that loads it: its positions count samples of this stream.
STREAM_KEYS = ('seed', 'split', 'eval')
#: The keys of one rank's state, from ``state_dict()``.
RANK_KEYS = ('epoch', 'position', 'offset', 'rank', 'world_size', 'ended') + STREAM_KEYS
#: The keys of a job's state, from ``merge_states()``: no rank, world_size or position.
MERGED_KEYS = ('epoch', 'offset', 'ended') + STREAM_KEYS

_USE_MERGE = ('merge the states of all ranks taken at one step with idxflow_client.merge_states() '
              'and load that on any number of ranks')


def merge_states(states):
    """One state of the whole job from the ``state_dict()`` of each of its ranks, taken at one step.

    The result, ``{'epoch', 'offset', 'ended', 'seed', 'split', 'eval'}``, is the epoch and its
    global position: ``offset`` is the positions of the epoch's order that all ranks consumed
    together (the states' offset plus world_size x position). Loaded by ``load_state_dict()`` on
    any number of ranks, it makes them stripe the rest of the epoch between them, so every
    sample of the epoch is consumed exactly once across the checkpoint (the only repeats are
    the padding PyTorch's ``DistributedSampler`` adds too: each run of the epoch pads its last
    round, at most world_size - 1 samples, with the first samples of the order it stripes).
    ``ended`` is True when the ranks had consumed their whole shares: the epoch is done, and
    the next pass of that epoch yields nothing.

    :param states: the ``state_dict()`` of every rank, each once, in any order (e.g. from
        ``torch.distributed.all_gather_object``).
    :raises ValueError: a rank missing or given twice, states of other streams, epochs, world
        sizes or offsets, states of different steps (positions that differ: their consumed
        samples are not a prefix of the order), or a state that is not one rank's.

    Example::

        states = [None] * torch.distributed.get_world_size()
        torch.distributed.all_gather_object(states, loader.state_dict())
        if torch.distributed.get_rank() == 0:
            torch.save({'model': model.state_dict(), 'data': merge_states(states)}, 'ckpt.pt')
    """
    states = list(states)
    if not states:
        raise ValueError('Expected the state_dict() of every rank for states but received none')
    for i, state in enumerate(states):
        missing = [key for key in RANK_KEYS if not isinstance(state, dict) or key not in state]
        if missing:
            raise ValueError(f'Expected the state_dict() of one rank at states[{i}] but received one without '
                             f'{", ".join(missing)}: merge the states of every rank, as state_dict() gives them')
    for key in ('world_size', 'epoch', 'offset') + STREAM_KEYS:
        values = sorted({repr(state[key]) for state in states})
        if len(values) > 1:
            raise ValueError(f'Expected states of one job at one step (one {key}) but received {key} {", ".join(values)}')
    world_size = integer("the states' world_size", states[0]['world_size'], 1)
    ranks = sorted(state['rank'] for state in states)
    if ranks != list(range(world_size)):
        raise ValueError(f'Expected the states of ranks 0 to {world_size - 1}, each once, but received ranks {ranks}')
    positions = {state['rank']: state['position'] for state in states}
    if len(set(positions.values())) > 1:
        shown = ', '.join(f'rank {rank}: {positions[rank]}' for rank in ranks)
        raise ValueError(f'Expected the states of one step (every rank at the same position) but received positions '
                         f'{shown}: states of different steps do not hold a prefix of the epoch\'s order')
    first = states[0]
    position = integer("the states' position", first['position'], 0)
    merged = {'epoch': first['epoch'], 'offset': integer("the states' offset", first['offset'], 0) + world_size * position,
              'ended': any(bool(state['ended']) for state in states)}
    merged.update((key, first[key]) for key in STREAM_KEYS)
    return merged


def resume_point(state, dataset):
    """(epoch, offset, start, ended) where ``dataset`` resumes ``state``, or a ValueError saying why it cannot.

    One rank's state resumes on the same rank of as many ranks; a merged state on any rank of
    any number. Anything else (another rank's or world size's state, a state without the keys
    it needs, a state of another stream) is refused rather than replayed or skipped.
    """
    if not isinstance(state, dict):
        raise ValueError(f'Expected a dict from state_dict() or merge_states() for state but received {type(state).__name__}')
    for key in STREAM_KEYS:
        if key in state and state[key] != getattr(dataset, key):
            raise ValueError(f'Expected a state with {key}={getattr(dataset, key)!r} (this dataset\'s) but received '
                             f'{key}={state[key]!r}: its position counts samples of another stream')
    epoch = integer("state['epoch']", state.get('epoch'), 0)
    if all(key in state for key in RANK_KEYS):
        if state['world_size'] != dataset.world_size or state['rank'] != dataset.rank:
            raise ValueError(f"Expected the state of rank {dataset.rank} of {dataset.world_size} (this dataset's) but received "
                             f"rank {state['rank']} of {state['world_size']}'s: one rank's state resumes only that rank; {_USE_MERGE}")
        position = integer("state['position']", state['position'], 0)
        return epoch, integer("state['offset']", state['offset'], 0), position, bool(state['ended'])
    if all(key in state for key in MERGED_KEYS) and not any(key in state for key in ('rank', 'world_size', 'position')):
        return epoch, integer("state['offset']", state['offset'], 0), 0, bool(state['ended'])
    missing = [key for key in RANK_KEYS if key not in state]
    raise ValueError(f'Expected a state from state_dict() or merge_states() but received one without {", ".join(missing)}, '
                     f'which cannot say which samples were consumed: {_USE_MERGE}')
