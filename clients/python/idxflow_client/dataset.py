"""IdxflowDataset: a PyTorch IterableDataset over an idxflow server's batch stream."""
import numpy as np
import torch
from torch.utils.data import IterableDataset, get_worker_info

from .checks import given_or_environment, integer, server_urls
from .servers import resumable_batches
from .states import STREAM_KEYS, resume_point
from .stream import DEFAULT_TIMEOUT


_FROM_THE_START = (0, 0, False)  # (offset, start, ended) of a pass over the whole epoch


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

    ``state_dict()`` is this rank's place in the epoch (see ``state_dict``), and
    ``load_state_dict()`` makes the next pass resume there. Because the order does not depend
    on ``num_workers``, a state taken with some number of workers resumes with any other. To
    resume on another number of ranks, merge the states of all ranks at one step with
    ``merge_states()`` and load that on each new rank: they stripe the rest of the epoch. The
    dataset counts what it yields only when it runs in the process that consumes it
    (``num_workers=0``); with workers it runs in copies, so take the state from
    ``StatefulLoader``, which counts batches as the main process receives them. Do not use
    ``persistent_workers=True``: the workers' copies would keep the epoch and resume point of
    the first pass.

    :param url: the server's base URL, e.g. ``http://127.0.0.1:8080``, or a list of the URLs of
        servers started with the same flags (they serve the same bytes): a stream whose server
        dies (unreachable, connection broken or timed out, a frame cut short, 503; not a 4xx
        refusal) goes on from the next URL at the sample it had reached. Each rank and worker
        starts at a different URL of the list, spreading the load. Several URLs need batch_size.
    :param token: the server's token, sent as ``Authorization: Bearer``. Default None.
    :param batch_size: samples per batch. Default None: the server's (128 for ``idxflow serve``);
        required with several URLs, so that a stream moving to another server is cut alike.
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
    :param attempts: connections in a row that may fail (as above) before the error is raised.
        Default: one per URL. More cycle through the URLs again after a second's pause: a
        Kubernetes Service's one URL in front of several replicas takes e.g. ``attempts=3``,
        each reconnection reaching a live replica. More than 1 needs batch_size.

    Example::

        dataset = IdxflowDataset('http://127.0.0.1:8080', seed=1, batch_size=128)
        loader = StatefulLoader(dataset, num_workers=2)
        for epoch in range(3):
            dataset.set_epoch(epoch)
            for x, y in loader:
                ...
    """

    def __init__(self, url, *, token=None, batch_size=None, seed=None, split=None, eval=False, rank=None,
                 world_size=None, with_indices=False, timeout=DEFAULT_TIMEOUT, attempts=None):
        super().__init__()
        self.urls = server_urls(url)
        self.url = self.urls[0]
        self.token = token
        self.batch_size = None if batch_size is None else integer('batch_size', batch_size, 1)
        self.attempts = len(self.urls) if attempts is None else integer('attempts', attempts, 1)
        if self.batch_size is None and self.attempts > 1:
            raise ValueError(f'Expected a batch_size with {len(self.urls)} URLs or attempts={self.attempts} (a stream that '
                             'moves to another server must be cut into the same batches) but received None')
        self.seed = None if seed is None else integer('seed', seed)
        self.split = split
        self.eval = bool(eval)
        self.world_size = integer(*given_or_environment('world_size', world_size, 'WORLD_SIZE', 1), 1)
        self.rank = integer(*given_or_environment('rank', rank, 'RANK', 0), 0, self.world_size - 1)
        self.with_indices = bool(with_indices)
        self.timeout = timeout
        self._epoch = 0
        self._resume = _FROM_THE_START  # (offset, start, ended) where the next pass begins, then from the start again
        self._offset = 0  # positions of the epoch's order all ranks had consumed when this rank's stream began
        self._position = 0  # samples of this rank's stream consumed in this process
        self._ended = False  # the last of them was the stream's last: the epoch is done

    @property
    def epoch(self):
        """The epoch the next pass streams (``set_epoch``)."""
        return self._epoch

    def set_epoch(self, epoch):
        """Makes the next pass stream epoch ``epoch``, as ``DistributedSampler.set_epoch`` does.

        Setting the epoch a loaded state resumes keeps its resume point, so the usual loop
        ``for e in range(state['epoch'], epochs): dataset.set_epoch(e); ...`` resumes mid-epoch.
        """
        epoch = integer('epoch', epoch, 0)
        if epoch != self._epoch:
            self._epoch, self._resume, self._offset, self._position, self._ended = epoch, _FROM_THE_START, 0, 0, False

    def state_dict(self):
        """Where this rank is: ``{'epoch', 'position', 'offset', 'rank', 'world_size', 'ended', 'seed', 'split', 'eval'}``.

        ``position`` is the samples of this rank's stream consumed; the stream began at
        ``offset``, positions of the epoch's order all ranks had consumed (0 unless resumed from
        ``merge_states()``); ``ended`` says the rank's share of the epoch is consumed. It
        resumes this rank of ``world_size`` ranks; ``merge_states()`` of every rank's state
        resumes any number of ranks. Exact when the dataset runs in the consuming process
        (``num_workers=0``); with workers use ``StatefulLoader.state_dict()``.
        """
        state = {'epoch': self._epoch, 'position': self._position, 'offset': self._offset, 'rank': self.rank,
                 'world_size': self.world_size, 'ended': self._ended}
        state.update((key, getattr(self, key)) for key in STREAM_KEYS)
        return state

    def load_state_dict(self, state):
        """Makes the next pass resume at ``state``: this rank's ``state_dict()``, or ``merge_states()`` of all ranks'.

        A merged state resumes on any number of ranks: each new rank gets its stripe of the
        rest of the epoch (the server's ``offset=``), so the ranks before and after the
        checkpoint consume every sample of the epoch once, padding aside (see ``merge_states``).
        With DataLoader workers, load it through ``StatefulLoader``, which also makes only the
        next pass resume (workers cannot tell the dataset they have started).

        :raises ValueError: the state is of another stream (seed, split, eval differ), of
            another rank or world size (merge the states instead), or lacks the keys that say
            which samples were consumed. The message says why in one line.
        """
        self._epoch, offset, start, ended = resume_point(state, self)
        self._resume = offset, start, ended
        self._offset, self._position, self._ended = self._resume  # state_dict() says the same until the pass begins

    def __iter__(self):
        info = get_worker_info()
        if info is None:
            return self._stream(self._begin(), 0, 1, count=True)
        return self._stream((self._epoch,) + self._resume, info.id, info.num_workers, count=False)

    def _begin(self):
        """A pass starts in the consuming process: it takes the resume point and counts from there."""
        self._offset, self._position, self._ended = self._resume
        resume, self._resume = (self._epoch,) + self._resume, _FROM_THE_START
        return resume

    def _advance(self, samples, ended):
        self._position += samples
        self._ended = ended

    def _stream(self, resume, part, parts, count):
        epoch, offset, start, ended = resume
        if ended:
            return  # its share of the epoch was consumed (past it the server would refuse the offset)
        # Parameters at their defaults are left out, so a server without them still serves plain passes.
        query = dict(seed=self.seed, epoch=epoch, epochs=1, offset=offset or None, rank=self.rank,
                     world_size=self.world_size, split=self.split, eval=True if self.eval else None)
        turn = (self.rank * parts + part) % len(self.urls)  # ranks and workers start at different servers
        batches = resumable_batches(self.urls[turn:] + self.urls[:turn], query, start=start, part=part, parts=parts,
                                    batch_size=self.batch_size, attempts=self.attempts, token=self.token, timeout=self.timeout)
        if not count:
            yield from map(self._tensors, batches)
            return
        # One batch read ahead: the state taken after the stream's last batch says the epoch ended.
        pending = next(batches, None)
        while pending is not None:
            following = next(batches, None)
            self._advance(len(pending.labels), following is None)  # before yielding: the state includes what the caller holds
            yield self._tensors(pending)
            pending = following
        self._ended = True  # also after an empty pass: nothing of the share was left

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
