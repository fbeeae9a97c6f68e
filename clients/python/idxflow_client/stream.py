"""The batch stream of an idxflow server (``idxflow serve``), read with the standard library and numpy.

The framing is specified in ``packages/core/src/protocol/PROTOCOL.md`` of the idxflow repository.
"""
import http.client
import json
import socket
import struct
import urllib.error
import urllib.parse
import urllib.request

import numpy as np

#: Seconds that connecting, or waiting for the next bytes of the stream, may take before IdxflowError.
DEFAULT_TIMEOUT = 60.0

CONTENT_TYPE = 'application/x-idxflow-batches'

# Python keyword -> query parameter of /batches (PROTOCOL.md, "Query").
_QUERY_NAMES = {
    'seed': 'seed',
    'epoch': 'epoch',
    'epochs': 'epochs',
    'batch': 'batch',
    'rank': 'rank',
    'world_size': 'worldSize',
    'offset': 'offset',
    'start': 'start',
    'part': 'part',
    'parts': 'parts',
    'split': 'split',
    'eval': 'eval',
}


class IdxflowError(RuntimeError):
    """The server refused the request, its pipeline failed, or the stream broke.

    The message starts with the URL and gives the server's own words when it sent any:
    ``http://127.0.0.1:8080/batches?batch=0: HTTP 400: Expected an integer between 1 and
    65536 for batch but received "0"``. ``status`` is the HTTP status of a refusal, else None.
    ``retriable`` is True when the server may be gone while another could go on: it could not
    be reached, the connection broke or timed out, or it had too many clients (503); False for
    a refusal of the request (4xx) or a failure of the server's pipeline, which any server
    started with the same flags would repeat.
    """

    def __init__(self, url, message, status=None, retriable=False):
        super().__init__(f'{url}: {message}')
        self.url = url
        self.status = status
        self.retriable = retriable


class Batch:
    """One frame of the stream: read-only arrays viewing the received bytes.

    It unpacks as ``images, labels, indices, epoch``; ``soft_labels`` is there too, for a
    server that mixes samples (mixup, cutmix).
    """

    __slots__ = ('images', 'labels', 'indices', 'epoch', 'soft_labels')

    def __init__(self, images, labels, indices, epoch, soft_labels=None):
        self.images = images
        """(n, h, w) uint8, or float32 when the server normalises."""
        self.labels = labels
        """(n,) uint8: each sample's own class."""
        self.indices = indices
        """(n,) uint32: each sample's index in its source file."""
        self.epoch = epoch
        """The epoch the samples belong to."""
        self.soft_labels = soft_labels
        """(n, classes) float32 rows that sum to 1 when the server mixes samples, else None."""

    def __iter__(self):
        return iter((self.images, self.labels, self.indices, self.epoch))


def batches_url(url, **query):
    """The ``/batches`` URL of the server at ``url`` with the given query parameters.

    Parameters that are None are left out (the server's default applies); ``world_size`` is
    sent as ``worldSize``, and booleans as ``1``/``0``.

    :param url: the server's base URL, e.g. ``http://127.0.0.1:8080`` (a trailing ``/batches`` is accepted).
    :param query: any of seed, epoch, epochs, batch, rank, world_size, offset, start, part, parts, split, eval.

    Example::

        batches_url('http://127.0.0.1:8080', seed=1, batch=64, world_size=2, rank=1)
        # 'http://127.0.0.1:8080/batches?seed=1&batch=64&worldSize=2&rank=1'
    """
    unknown = [name for name in query if name not in _QUERY_NAMES]
    if unknown:
        raise TypeError(f'Expected only {", ".join(_QUERY_NAMES)} as query parameters but received {unknown[0]!r}')
    parts = urllib.parse.urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ('http', 'https') or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"Expected the server's base URL, http://HOST:PORT, for url but received {url!r}")
    base = url.rstrip('/')
    if base.endswith('/batches'):
        base = base[: -len('/batches')]
    params = [(_QUERY_NAMES[name], _query_text(value)) for name, value in query.items() if value is not None]
    return f'{base}/batches' + (f'?{urllib.parse.urlencode(params)}' if params else '')


def _query_text(value):
    if isinstance(value, bool):
        return '1' if value else '0'
    return str(value)


def _stream_url(url):
    """The ``/batches`` URL to read for ``url``: a server's base URL (``http://HOST:PORT``, as
    ``IdxflowDataset`` takes it) names its ``/batches`` stream with the server's defaults; any
    other URL (``/batches`` with its query) is read as it is."""
    parts = urllib.parse.urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ('http', 'https') or not parts.netloc:
        raise ValueError(f"Expected the server's base URL (http://HOST:PORT) or a /batches URL for url but received {url!r}")
    return urllib.parse.urlunsplit(parts._replace(path='/batches')) if parts.path in ('', '/') else url


def iter_batches(url, token=None, timeout=DEFAULT_TIMEOUT):
    """Yields a ``Batch`` (images, labels, indices, epoch) for each frame the server sends.

    Reading is lazy: nothing is requested until the first batch is asked for, and a slow
    consumer slows the server's pipeline through TCP. Closing the generator early (``break``)
    closes the connection, which stops the server's pipeline for it.

    :param url: the server's base URL, e.g. ``http://127.0.0.1:8080`` (the stream with the
        server's defaults), or a ``/batches`` URL with its query (see ``batches_url``).
    :param token: sent as ``Authorization: Bearer <token>``. Default None (no header).
    :param timeout: seconds connecting or waiting for the next bytes may take. Default 60.
    :raises IdxflowError: the server refused the request (with its HTTP status and message),
        its pipeline failed mid-stream, the stream was cut inside a frame, or it timed out.

    Example::

        for images, labels, indices, epoch in iter_batches('http://127.0.0.1:8080/batches?batch=128'):
            ...
    """
    url = _stream_url(url)
    with _open(url, token, timeout) as response:
        while True:
            try:
                batch = _read_frame(response, url)
            except socket.timeout:
                raise IdxflowError(url, f'no data from the server for {timeout} s', retriable=True) from None
            except (http.client.IncompleteRead, ConnectionError) as error:
                raise IdxflowError(url, f'the connection broke inside the stream ({error!r})', retriable=True) from None
            if batch is None:
                return  # the stream ends between frames: every requested epoch was sent
            yield batch


def _open(url, token, timeout):
    """Opens the stream; a refusal raises IdxflowError with the server's message."""
    request = urllib.request.Request(url)
    if token:
        request.add_header('Authorization', f'Bearer {token}')
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        raise _refusal(url, error) from None
    except urllib.error.URLError as error:
        raise IdxflowError(url, f'cannot reach the server: {error.reason}', retriable=True) from None
    except (http.client.HTTPException, ConnectionError) as error:
        raise IdxflowError(url, f'the connection broke before the stream began ({error!r})', retriable=True) from None
    except socket.timeout:
        raise IdxflowError(url, f'no answer from the server for {timeout} s', retriable=True) from None
    kind = response.headers.get('Content-Type', '')
    if kind.split(';')[0].strip() != CONTENT_TYPE:
        response.close()
        raise IdxflowError(url, f'Expected Content-Type {CONTENT_TYPE} (an idxflow server) but received {kind!r}')
    return response


def _refusal(url, error):
    """IdxflowError for an HTTP error answer: the JSON ``{"error"}`` body when there is one."""
    with error:
        body = error.read().decode('utf-8', 'replace')
    try:
        message = json.loads(body)['error']
    except (ValueError, KeyError, TypeError):
        message = body.strip() or error.reason
    retry = error.headers.get('Retry-After') if error.headers else None
    if retry:
        message += f' (Retry-After: {retry} s)'
    return IdxflowError(url, f'HTTP {error.code}: {message}', status=error.code, retriable=error.code == 503)


def _read_frame(stream, url):
    """The next frame as a Batch, or None when the stream ends between frames."""
    head = stream.read(4)
    if not head:
        return None
    if len(head) < 4:
        head += _read_exactly(stream, 4 - len(head), url)
    header = json.loads(_read_exactly(stream, struct.unpack('>I', head)[0], url))
    if 'error' in header:
        raise IdxflowError(url, f"the server's pipeline failed: {header['error']}")
    n, h, w = header['shape']
    if header['dtype'] == 'uint8':
        dtype = np.dtype(np.uint8)
    elif header['dtype'] == 'float32':
        dtype = np.dtype('<f4')
    else:
        raise IdxflowError(url, f"Expected dtype uint8 or float32 in a frame header but received {header['dtype']!r}")
    images = np.frombuffer(_read_exactly(stream, n * h * w * dtype.itemsize, url), dtype).reshape(n, h, w)
    labels = np.frombuffer(_read_exactly(stream, n, url), np.uint8)
    indices = np.frombuffer(_read_exactly(stream, 4 * n, url), '<u4')
    classes = header.get('classes', 0)
    soft = np.frombuffer(_read_exactly(stream, 4 * n * classes, url), '<f4').reshape(n, classes) if classes else None
    return Batch(images, labels, indices, header['epoch'], soft)


def _read_exactly(stream, size, url):
    """Exactly ``size`` bytes; the stream ending first means it was cut off inside a frame."""
    chunks = []
    while size > 0:
        chunk = stream.read(size)
        if not chunk:
            raise IdxflowError(url, 'the stream ended inside a frame (the connection broke)', retriable=True)
        chunks.append(chunk)
        size -= len(chunk)
    return b''.join(chunks)
