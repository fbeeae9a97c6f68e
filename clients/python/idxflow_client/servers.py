"""One stream read from several servers started with the same flags: when one dies, the next goes on."""
import logging
import time

from .stream import IdxflowError, batches_url, iter_batches

log = logging.getLogger('idxflow_client')


def resumable_batches(urls, query, *, start, part, parts, batch_size, attempts, token, timeout):
    """Yields the batches of the stream ``query`` + ``start``/``part``/``parts``, from ``urls[0]``,
    moving to the next URL when a server fails in a way another would not (``retriable``).

    Every sample is a pure function of (seed, epoch, index), so any server started with the
    same flags continues the stream exactly. Worker ``part`` of ``parts`` reads batches
    part, part + parts, ... of the stream cut at ``start``; having received batch g - parts,
    it wants batch g next. It reconnects with ``start + k0·batch_size`` and ``part = g - k0``,
    where k0 = max(0, g - parts + 1): the batches are cut at the same samples (k0 is a
    whole number of batches past ``start``), batch g is number g - k0 of the new stream,
    and ``start`` stays within the stream (k0 is at most the end of a full batch received).
    A short batch is the stream's last: after it nothing is left to resume. Each move is
    logged as a warning of the ``idxflow_client`` logger, with the failure.

    :param urls: the servers' base URLs, tried in turn (again after a second's pause once
        all have failed, while attempts are left).
    :param query: the other query parameters of ``batches_url``.
    :param batch_size: samples per batch (given to the server); needed when ``attempts > 1``.
    :param attempts: connections in a row that may fail before the failure is raised; 1: no retry.

    :raises IdxflowError: a refusal, a pipeline failure, or every server failing in turn.
    """
    wanted = part  # number of the next batch of this part, counted from `start`
    short = False  # a batch shorter than batch_size was received: the stream's last
    failures = []
    index = 0
    while True:
        first = max(0, wanted - parts + 1)
        url = batches_url(urls[index], **query, batch=batch_size, start=start + first * (batch_size or 0) or None,
                          part=wanted - first if parts > 1 else None, parts=parts if parts > 1 else None)
        try:
            for batch in iter_batches(url, token, timeout):
                wanted += parts
                short = batch_size is not None and len(batch.labels) < batch_size
                failures = []
                yield batch
            return
        except IdxflowError as error:
            if not error.retriable or attempts == 1:
                raise
            if short:
                return  # it broke after the stream's last batch
            failures.append(error)
            if len(failures) == attempts:
                raise IdxflowError(url, 'every server failed in turn: ' + '; '.join(str(f) for f in failures)) from None
            index = (index + 1) % len(urls)
            if len(failures) % len(urls) == 0:
                time.sleep(1)  # every URL failed: give a Service time to route to a live replica
            log.warning('%s; going on from %s', error, urls[index])
