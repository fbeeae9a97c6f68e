"""Reads batches from an idxflow server (``idxflow serve``): numpy arrays, and PyTorch datasets.

With numpy only::

    from idxflow_client import batches_url, iter_batches
    for images, labels, indices, epoch in iter_batches(batches_url('http://127.0.0.1:8080', batch=128)):
        ...  # images (n, h, w) uint8 or float32, labels (n,) uint8, indices (n,) uint32

With PyTorch (``pip install 'idxflow-client[torch]'``), ``IdxflowDataset`` is an
IterableDataset that takes its rank's share of each epoch (RANK and WORLD_SIZE as torchrun
sets them), splits it between DataLoader workers, and resumes mid-epoch; ``StatefulLoader``
is the DataLoader whose ``state_dict()`` is exact with any number of workers. They import
torch when first used, so the numpy reader does not pay for it. ``merge_states`` turns the
states of all ranks at one step into one state that resumes on any number of ranks, and a
list of URLs (servers started with the same flags) lets a stream outlive its server.
"""
from .states import merge_states
from .stream import DEFAULT_TIMEOUT, Batch, IdxflowError, batches_url, iter_batches

__version__ = '0.1.0'
__all__ = ['Batch', 'DEFAULT_TIMEOUT', 'IdxflowDataset', 'IdxflowError', 'StatefulLoader', 'batches_url', 'iter_batches', 'merge_states']

_TORCH_NAMES = {'IdxflowDataset': 'dataset', 'StatefulLoader': 'loader'}


def __getattr__(name):
    """Imports IdxflowDataset and StatefulLoader, and torch with them, when first asked for."""
    if name not in _TORCH_NAMES:
        raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
    try:
        import torch  # noqa: F401
    except ModuleNotFoundError as error:
        raise ModuleNotFoundError(f"{name} needs PyTorch: pip install 'idxflow-client[torch]' ({error})", name=error.name) from None
    from importlib import import_module
    value = getattr(import_module(f'.{_TORCH_NAMES[name]}', __name__), name)
    globals()[name] = value
    return value
