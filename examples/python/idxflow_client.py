"""Reads batches from an idxflow server (``idxflow serve``) with the standard library and numpy.

Usage as a script: ``python3 idxflow_client.py URL [TOKEN]`` reads the whole stream and prints
a JSON summary (samples, batches, per-class counts). As a library::

    from idxflow_client import iter_batches
    for images, labels, indices, epoch in iter_batches('http://127.0.0.1:8080/batches?batch=128'):
        ...

With PyTorch installed, ``IdxflowIterableDataset(url)`` yields ``(x, y)`` tensors shaped
``(n, 1, h, w)`` and ``(n,)`` for a ``DataLoader(dataset, batch_size=None)``.
The framing is specified in packages/sinks/src/network/PROTOCOL.md.
"""
import json
import struct
import sys
import urllib.request

import numpy as np


def _read_exactly(stream, size):
    chunks = []
    while size > 0:
        chunk = stream.read(size)
        if not chunk:
            raise EOFError('the stream ended inside a frame')
        chunks.append(chunk)
        size -= len(chunk)
    return b''.join(chunks)


def iter_batches(url, token=None):
    """Yields ``(images, labels, indices, epoch)`` for each frame the server sends."""
    request = urllib.request.Request(url)
    if token:
        request.add_header('Authorization', 'Bearer ' + token)
    with urllib.request.urlopen(request) as response:
        while True:
            head = response.read(4)
            if not head:
                return
            if len(head) < 4:
                head += _read_exactly(response, 4 - len(head))
            header = json.loads(_read_exactly(response, struct.unpack('>I', head)[0]))
            n, h, w = header['shape']
            dtype = np.dtype(np.uint8) if header['dtype'] == 'uint8' else np.dtype('<f4')
            images = np.frombuffer(_read_exactly(response, n * h * w * dtype.itemsize), dtype).reshape(n, h, w)
            labels = np.frombuffer(_read_exactly(response, n), np.uint8)
            indices = np.frombuffer(_read_exactly(response, 4 * n), '<u4')
            yield images, labels, indices, header['epoch']


try:
    import torch

    class IdxflowIterableDataset(torch.utils.data.IterableDataset):
        """A PyTorch dataset of whole batches from an idxflow server (use ``batch_size=None``)."""

        def __init__(self, url, token=None):
            super().__init__()
            self.url, self.token = url, token

        def __iter__(self):
            for images, labels, _, _ in iter_batches(self.url, self.token):
                x = torch.from_numpy(images.astype(np.float32) / 255 if images.dtype == np.uint8 else images.copy())
                yield x.unsqueeze(1), torch.from_numpy(labels.astype(np.int64))
except ImportError:  # torch is optional
    pass


def main(argv):
    url = argv[1]
    token = argv[2] if len(argv) > 2 else None
    samples, batches, counts, seen = 0, 0, np.zeros(10, np.int64), set()
    for images, labels, indices, _ in iter_batches(url, token):
        samples += len(labels)
        batches += 1
        counts += np.bincount(labels, minlength=10)[:10]
        seen.update(indices.tolist())
    print(json.dumps({'samples': samples, 'batches': batches, 'classes': counts.tolist(), 'distinct': len(seen)}))


if __name__ == '__main__':
    main(sys.argv)
