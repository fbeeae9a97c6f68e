"""StatefulLoader: a DataLoader over an IdxflowDataset whose state is exact with any number of workers."""
from torch.utils.data import DataLoader

from .dataset import IdxflowDataset

_END = object()  # what next() gives for a loader's iterator that has ended
# The server batches and the dataset orders; these DataLoader options would undo either.
_FIXED_OPTIONS = ('batch_size', 'shuffle', 'sampler', 'batch_sampler', 'collate_fn', 'drop_last')


class StatefulLoader(DataLoader):
    """A ``DataLoader(dataset, batch_size=None)`` with ``state_dict()`` / ``load_state_dict()``.

    In the manner of torchdata's ``StatefulDataLoader``: ``state_dict()`` taken between batches
    says where the training is (the epoch and the samples of the rank's share consumed), and
    ``load_state_dict()`` before the next pass resumes exactly there.

    A dataset in DataLoader workers runs in copies that cannot see what the training loop has
    consumed; this loader counts the samples of each batch as the main process receives it.
    Since the workers' batches come back in the server's order whatever ``num_workers`` is,
    that count is a position in the rank's stream, so a state taken with 2 workers resumes
    with 0, or 8. The dataset's own ``set_epoch`` still chooses the epoch.

    :param dataset: an ``IdxflowDataset``.
    :param num_workers: DataLoader worker processes, each streaming every num_workers-th batch. Default 0.
    :param options: other ``DataLoader`` options (pin_memory, timeout, prefetch_factor,
        multiprocessing_context, ...); not batch_size, shuffle, sampler, batch_sampler,
        collate_fn or drop_last, and not persistent_workers=True (the workers would keep
        the epoch and resume point of their first pass).

    Example::

        loader = StatefulLoader(IdxflowDataset('http://127.0.0.1:8080'), num_workers=2)
        for step, (x, y) in enumerate(loader):
            if step == 100:
                torch.save({'model': model.state_dict(), 'data': loader.state_dict()}, 'ckpt.pt')
        # later, with any num_workers:
        loader.load_state_dict(torch.load('ckpt.pt')['data'])
    """

    def __init__(self, dataset, num_workers=0, **options):
        if not isinstance(dataset, IdxflowDataset):
            raise TypeError(f'Expected an IdxflowDataset for dataset but received {type(dataset).__name__}')
        for name in _FIXED_OPTIONS:
            if name in options:
                raise TypeError(f'Expected no {name} for StatefulLoader (the server batches and orders) but received {name}={options[name]!r}')
        if options.get('persistent_workers'):
            raise ValueError('Expected persistent_workers False for StatefulLoader but received True: persistent workers '
                             'would keep the epoch and resume point of their first pass')
        super().__init__(dataset, batch_size=None, num_workers=num_workers, **options)

    def __iter__(self):
        batches = super().__iter__()  # the workers start here, with copies of the dataset's resume point
        if self.num_workers == 0:
            return batches  # the dataset runs in this process and counts what it yields
        self.dataset._begin()
        return self._counted(batches)

    def _counted(self, batches):
        # One batch read ahead, as the dataset reads: the state taken after the last batch says the epoch ended.
        pending = next(batches, _END)
        while pending is not _END:
            following = next(batches, _END)
            self.dataset._advance(len(pending[1]), following is _END)  # before yielding, as the dataset counts
            yield pending
            pending = following
        self.dataset._ended = True

    def state_dict(self):
        """The dataset's ``state_dict()``, its position the samples of this rank's stream that this loader has yielded.

        Merge the states of all ranks at one step with ``merge_states()`` to resume on any number of ranks.
        """
        return self.dataset.state_dict()

    def load_state_dict(self, state):
        """Makes the next pass resume where ``state`` (this rank's ``state_dict()``, or ``merge_states()``) was taken."""
        self.dataset.load_state_dict(state)
