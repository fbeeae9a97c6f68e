"""``python -m idxflow_client URL [TOKEN]``: reads the stream at URL and prints a JSON summary.

URL is the server's base URL (``http://127.0.0.1:8080``, as ``IdxflowDataset`` takes it: the
stream with the server's defaults) or a ``/batches`` URL with its query. The summary: samples, batches, per-class counts,
distinct indices, the first batch's shape and dtypes, and for mixed batches the soft labels'
shape, rows and largest error of a row's sum. A refusal or a failure prints the
server's message and exits with status 1; a URL that names no server, with status 2.
"""
import json
import sys

import numpy as np

from . import IdxflowError, iter_batches


def summary(url, token=None):
    """Counts the samples, batches, classes and distinct indices of the stream at ``url``."""
    samples, batches, counts, seen, first, soft = 0, 0, np.zeros(10, np.int64), set(), None, None
    for batch in iter_batches(url, token):
        images, labels, indices, _ = batch
        first = first or {'shape': list(images.shape), 'dtype': str(images.dtype), 'labels': str(labels.dtype)}
        samples, batches = samples + len(labels), batches + 1
        counts += np.bincount(labels, minlength=10)[:10]
        seen.update(indices.tolist())
        if batch.soft_labels is not None:
            error = float(np.abs(batch.soft_labels.sum(axis=1) - 1).max())
            soft = soft or {'shape': list(batch.soft_labels.shape), 'rows': 0, 'max_sum_error': 0.0}
            soft['rows'] += len(batch.soft_labels)
            soft['max_sum_error'] = max(soft['max_sum_error'], error)
    out = {'samples': samples, 'batches': batches, 'classes': counts.tolist(), 'distinct': len(seen), 'first': first}
    return {**out, 'soft': soft} if soft else out


def main(argv):
    if len(argv) not in (2, 3) or argv[1] in ('-h', '--help'):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    try:
        print(json.dumps(summary(argv[1], argv[2] if len(argv) > 2 else None)))
    except IdxflowError as error:
        print(f'idxflow_client: {error}', file=sys.stderr)
        return 1
    except ValueError as error:  # not a URL of a server
        print(f'idxflow_client: {error}', file=sys.stderr)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
