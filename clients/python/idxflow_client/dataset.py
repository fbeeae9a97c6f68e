"""IdxflowDataset: a PyTorch IterableDataset over an idxflow server's batch stream."""
import os

import numpy as np
import torch
from torch.utils.data import IterableDataset, get_worker_info

from .stream import DEFAULT_TIMEOUT, batches_url, iter_batches

# What a state from state_dict() must agree on to be loaded: its position counts samples of this stream.
_STREAM_KEYS = ('seed', 'split', 'eval', 'world_size')


class IdxflowDataset(IterableDataset):
    """Whole batches from an idxflow server: one pass is this rank's share of one epoch.

    Each item is ``(x, y)``, or ``(x, y, indices)`` with ``with_indices=True``: x ``(n, 1, h, w)``
    float32 (bytes scaled to [0, 1], floats as the server sent them), y ``(n,)`` int64, indices
    ``(n,)`` int64 (each sample's index in its file). The server batches, so use
    ``DataLoader(dataset, batch_size=None)``, or ``StatefulLoader(dataset)``.

    Ranks and epochs work as with PyTorch's ``DistributedSampler``: ranks get disjoint shares of
    ``ceil(n / world_size)`` samples of every epoch (the epoch padded with its first samples),
    the shuffle and augmentation depend on ``(seed, epoch)``, and ``set_epoch(e)`` chooses the
    epoch the next pass streams (without it, every pass streams the same epoch).

    With ``num_workers=W`` DataLoader workers, worker w streams batches w, w + W, ... of the
    rank's share, and the loader's round-robin over workers yields them back in the server's
    order: every ``num_workers`` gives each sample of the share once per pass, in the same order.

    ``state_dict()`` is ``{'epoch', 'position'}`` (samples of the epoch's share consumed, plus
    the stream's seed, split, eval and world_size to check on loading), and ``load_state_dict()``
    makes the next pass resume there. Because the order does not depend on ``num_workers``, a
    state taken with some number of workers resumes with any other. The dataset counts what
    it yields only when it runs in the process that consumes it (``num_workers=0``); with
    workers it runs in copies, so take the state from ``StatefulLoader``, which counts batches
    as the main process receives them. Do not use ``persistent_workers=True``: the workers'
    copies would keep the epoch and resume point of the first pass.

    :param url: the server's base URL, e.g. ``http://127.0.0.1:8080``.
    :param token: the server's token, sent as ``Authorization: Bearer``. Default None.
    :param batch_size: samples per batch. Default None: the server's (128 for ``idxflow serve``).
    :param seed: seed of the shuffle and augmentation. Default None: the server's (its ``--seed``, 0).
    :param split: which of the server's splits (``train``, ``test``). Default None: its first.
    :param eval: an evaluation stream: the split in file order, not shuffled, not augmented.
        Default False. Ranks still get disjoint shares; give ``rank=0, world_size=1`` to
        evaluate the whole split in every process.
    :param rank: this process's rank. Default: the ``RANK`` environment variable (set by
        torchrun), else 0.
    :param world_size: number of ranks. Default: the ``WORLD_SIZE`` environment variable, else 1.
    :param with_indices: yield ``(x, y, indices)`` instead of ``(x, y)``. Default False.
    :param timeout: seconds connecting or waiting for the next bytes may take. Default 60.

    Example::

        dataset = IdxflowDataset('http://127.0.0.1:8080', seed=1, batch_size=128)
        loader = StatefulLoader(dataset, num_workers=2)
        for epoch in range(3):
            dataset.set_epoch(epoch)
            for x, y in loader:
                ...
    """

    def __init__(self, url, *, token=None, batch_size=None, seed=None, split=None, eval=False, rank=None,
                 world_size=None, with_indices=False, timeout=DEFAULT_TIMEOUT):
        super().__init__()
        batches_url(url)  # a bad URL fails here, not later in a DataLoader worker
        self.url = url
        self.token = token
        self.batch_size = None if batch_size is None else _integer('batch_size', batch_size, 1)
        self.seed = None if seed is None else _integer('seed', seed)
        self.split = split
        self.eval = bool(eval)
        self.world_size = _integer(*_given_or_environment('world_size', world_size, 'WORLD_SIZE', 1), 1)
        self.rank = _integer(*_given_or_environment('rank', rank, 'RANK', 0), 0, self.world_size - 1)
        self.with_indices = bool(with_indices)
        self.timeout = timeout
        self._epoch = 0
        self._start = 0  # samples of the epoch's share that the next pass skips: the resume point
        self._position = 0  # samples of the epoch's share consumed in this process

    @property
    def epoch(self):
        """The epoch the next pass streams (``set_epoch``)."""
        return self._epoch

    def set_epoch(self, epoch):
        """Makes the next pass stream epoch ``epoch``, as ``DistributedSampler.set_epoch`` does.

        Setting the epoch a loaded state resumes keeps its resume point, so the usual loop
        ``for e in range(state['epoch'], epochs): dataset.set_epoch(e); ...`` resumes mid-epoch.
        """
        epoch = _integer('epoch', epoch, 0)
        if epoch != self._epoch:
            self._epoch, self._start, self._position = epoch, 0, 0

    def state_dict(self):
        """Where this rank is in its stream: the epoch and the samples of its share consumed.

        Exact when the dataset runs in the consuming process (``num_workers=0``); with workers
        use ``StatefulLoader.state_dict()``.
        """
        state = {'epoch': self._epoch, 'position': self._position}
        state.update((key, getattr(self, key)) for key in _STREAM_KEYS)
        return state

    def load_state_dict(self, state):
        """Makes the next pass resume at ``state['epoch']`` after ``state['position']`` samples of the share.

        With DataLoader workers, load it through ``StatefulLoader``, which also makes only the
        next pass resume (workers cannot tell the dataset they have started).

        :raises ValueError: the state is of another stream (seed, split, eval or world_size
            differ), whose position would not mean the same samples.
        """
        for key in _STREAM_KEYS:
            if key in state and state[key] != getattr(self, key):
                raise ValueError(f'Expected a state with {key}={getattr(self, key)!r} (this dataset\'s) but received '
                                 f'{key}={state[key]!r}: its position counts samples of another stream')
        epoch = _integer("state['epoch']", state['epoch'], 0)
        position = _integer("state['position']", state['position'], 0)
        self._epoch, self._start, self._position = epoch, position, position

    def __iter__(self):
        info = get_worker_info()
        if info is None:
            return self._stream(self._begin(), 0, 1, count=True)
        return self._stream((self._epoch, self._start), info.id, info.num_workers, count=False)

    def _begin(self):
        """A pass starts in the consuming process: it takes the resume point and counts from there."""
        self._position, self._start = self._start, 0
        return self._epoch, self._position

    def _advance(self, samples):
        self._position += samples

    def _stream(self, resume, part, parts, count):
        epoch, start = resume
        # Parameters at their defaults are left out, so a server without them still serves plain passes.
        url = batches_url(self.url, seed=self.seed, epoch=epoch, epochs=1, batch=self.batch_size, rank=self.rank,
                          world_size=self.world_size, start=start or None, part=part if parts > 1 else None,
                          parts=parts if parts > 1 else None, split=self.split, eval=True if self.eval else None)
        for batch in iter_batches(url, self.token, self.timeout):
            if count:
                self._advance(len(batch.labels))  # before yielding: the state then includes what the caller holds
            yield self._tensors(batch)

    def _tensors(self, batch):
        images = batch.images
        if images.dtype == np.uint8:
            # v / 255 in float32, as torchvision's ToTensor computes it.
            x = np.divide(images, np.float32(255), dtype=np.float32)
        else:
            x = images.astype(np.float32)  # a copy: the received array is read-only
        # Soft labels (n, classes) when the server mixes samples: cross_entropy takes either.
        y = batch.labels.astype(np.int64) if batch.soft_labels is None else batch.soft_labels.copy()
        tensors = (torch.from_numpy(x).unsqueeze(1), torch.from_numpy(y))
        if self.with_indices:
            return tensors + (torch.from_numpy(batch.indices.astype(np.int64)),)
        return tensors


def _integer(name, value, minimum=None, maximum=None):
    """``value`` if it is an integer in [minimum, maximum], else a ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or \
            (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        bounds = f' between {minimum} and {maximum}' if maximum is not None else f' >= {minimum}' if minimum is not None else ''
        raise ValueError(f'Expected an integer{bounds} for {name} but received {value!r} of type {type(value).__name__}')
    return int(value)


def _given_or_environment(name, value, variable, fallback):
    """(what to call it, value): ``value`` if given, else the integer in environment variable
    ``variable`` (torchrun sets RANK and WORLD_SIZE), else ``fallback``."""
    if value is not None:
        return name, value
    text = os.environ.get(variable)
    if text is None:
        return name, fallback
    try:
        return f'{name} (the environment variable {variable})', int(text)
    except ValueError:
        raise ValueError(f'Expected an integer in the environment variable {variable} for {name} but received {text!r}') from None
