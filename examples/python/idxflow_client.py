"""Reads batches from an idxflow server (``idxflow serve``) with the standard library and numpy.

As a library::

    from idxflow_client import iter_batches
    for images, labels, indices, epoch in iter_batches('http://127.0.0.1:8080/batches?batch=128'):
        ...  # images: (n, h, w) uint8 or float32; labels: (n,) uint8; indices: (n,) uint32

With PyTorch installed, ``IdxflowIterableDataset(url)`` yields ``(x, y)`` tensors shaped
``(n, 1, h, w)`` float32 and ``(n,)`` int64: use it with ``DataLoader(dataset, batch_size=None)``.

As a script: ``python3 idxflow_client.py URL [TOKEN] [--torch]`` reads the whole stream and
prints a JSON summary (samples, batches, per-class counts, distinct indices); ``--torch`` reads
through ``IdxflowIterableDataset`` and adds the shapes and dtypes of the first batch.

The framing is specified in packages/sinks/src/network/PROTOCOL.md.
"""
import json
import struct
import sys
import urllib.error
import urllib.request

import numpy as np


def _read_exactly(stream, size):
    """Reads ``size`` bytes, or raises EOFError if the stream ends first (a cut-off frame)."""
    chunks = []
    while size > 0:
        chunk = stream.read(size)
        if not chunk:
            raise EOFError('the stream ended inside a frame')
        chunks.append(chunk)
        size -= len(chunk)
    return b''.join(chunks)


def _open(url, token):
    """Opens the stream; a refused request raises RuntimeError with the server's message."""
    request = urllib.request.Request(url)
    if token:
        request.add_header('Authorization', 'Bearer ' + token)
    try:
        return urllib.request.urlopen(request)
    except urllib.error.HTTPError as error:
        body = error.read().decode('utf-8', 'replace')
        try:
            body = json.loads(body)['error']
        except (ValueError, KeyError, TypeError):
            pass
        raise RuntimeError(f'{url}: HTTP {error.code}: {body}') from None


def iter_batches(url, token=None, soft_labels=False):
    """Yields ``(images, labels, indices, epoch)`` for each frame the server sends.

    ``url`` is the ``/batches`` URL with its query (seed, epoch, epochs, batch, rank,
    worldSize); ``token`` is sent as ``Authorization: Bearer <token>``. The arrays view the
    received bytes (read-only). Reading is lazy: a slow consumer slows the server through TCP.
    With ``soft_labels=True`` each tuple ends with the frame's soft labels, ``(n, k)`` float32
    from a server that mixes samples (mixup, cutmix), or None; without, they are skipped.
    """
    with _open(url, token) as response:
        while True:
            head = response.read(4)
            if not head:
                return  # the stream ends between frames: done
            head += _read_exactly(response, 4 - len(head)) if len(head) < 4 else b''
            header = json.loads(_read_exactly(response, struct.unpack('>I', head)[0]))
            if 'error' in header:
                raise RuntimeError(f"{url}: the server's pipeline failed: {header['error']}")
            n, h, w = header['shape']
            dtype = np.dtype(np.uint8) if header['dtype'] == 'uint8' else np.dtype('<f4')
            images = np.frombuffer(_read_exactly(response, n * h * w * dtype.itemsize), dtype).reshape(n, h, w)
            labels = np.frombuffer(_read_exactly(response, n), np.uint8)
            indices = np.frombuffer(_read_exactly(response, 4 * n), '<u4')
            k = header.get('classes', 0)
            soft = np.frombuffer(_read_exactly(response, 4 * n * k), '<f4').reshape(n, k) if k else None
            yield (images, labels, indices, header['epoch']) + ((soft,) if soft_labels else ())


def _dataset_class():
    """Builds IdxflowIterableDataset; torch is imported only here, as importing it takes seconds."""
    import torch

    class IdxflowIterableDataset(torch.utils.data.IterableDataset):
        """Whole batches from an idxflow server, as ``(x, y)``: x ``(n, 1, h, w)`` float32
        (bytes scaled to [0, 1], floats as sent) and y ``(n,)`` int64, or the soft labels
        ``(n, k)`` float32 when the server mixes samples (``cross_entropy`` takes either).

        Use ``DataLoader(dataset, batch_size=None, num_workers=0)``: the server already batches,
        and several loader workers would each stream the same batches (give each its own
        ``rank`` and ``worldSize`` in the URL instead).
        """

        def __init__(self, url, token=None):
            super().__init__()
            self.url, self.token = url, token

        def __iter__(self):
            info = torch.utils.data.get_worker_info()
            if info is not None and info.num_workers > 1:
                raise ValueError(f'Expected num_workers 0 or 1 for the DataLoader but received {info.num_workers}')
            for images, labels, _, _, soft in iter_batches(self.url, self.token, soft_labels=True):
                x = torch.from_numpy(images.astype(np.float32) / 255 if images.dtype == np.uint8 else images.copy())
                y = torch.from_numpy(labels.astype(np.int64) if soft is None else soft.copy())
                yield x.unsqueeze(1), y

    return IdxflowIterableDataset


def __getattr__(name):
    """Makes ``IdxflowIterableDataset`` importable without paying for torch until it is used."""
    if name == 'IdxflowIterableDataset':
        cls = _dataset_class()
        globals()[name] = cls
        return cls
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')


def _summary(stream):
    """Counts samples, batches and classes of ``(x, labels)`` pairs; notes the first batch's types."""
    samples, batches, counts, first = 0, 0, np.zeros(10, np.int64), None
    for x, labels in stream:
        first = first or {'shape': list(x.shape), 'dtype': str(x.dtype), 'labels': str(labels.dtype)}
        samples, batches = samples + len(labels), batches + 1
        counts += np.bincount(np.asarray(labels), minlength=10)[:10]
    return {'samples': samples, 'batches': batches, 'classes': counts.tolist(), 'first': first}


def main(argv):
    """Reads the stream at URL (with TOKEN) and prints a JSON summary; see the module docstring."""
    args = [a for a in argv[1:] if a != '--torch']
    url, token = args[0], (args[1] if len(args) > 1 else None)
    if '--torch' in argv:
        summary = _summary(__getattr__('IdxflowIterableDataset')(url, token))
    else:
        seen = set()

        soft_rows = []

        def pairs():
            for images, labels, indices, _, soft in iter_batches(url, token, soft_labels=True):
                seen.update(indices.tolist())
                if soft is not None:
                    soft_rows.append(soft)
                yield images, labels

        summary = _summary(pairs())
        summary['distinct'] = len(seen)
        if soft_rows:
            rows = np.concatenate(soft_rows)
            summary['soft'] = {'shape': list(soft_rows[0].shape), 'rows': len(rows), 'max_sum_error': float(np.abs(rows.sum(1) - 1).max())}
    print(json.dumps(summary))


if __name__ == '__main__':
    main(sys.argv)
