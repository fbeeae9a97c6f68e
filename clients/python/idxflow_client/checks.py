"""The checks of the client's arguments: each names the argument, what was expected and what was received."""
import os

import numpy as np


def integer(name, value, minimum=None, maximum=None):
    """``value`` if it is an integer in [minimum, maximum], else a ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or \
            (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        bounds = f' between {minimum} and {maximum}' if maximum is not None else f' >= {minimum}' if minimum is not None else ''
        raise ValueError(f'Expected an integer{bounds} for {name} but received {value!r} of type {type(value).__name__}')
    return int(value)


def given_or_environment(name, value, variable, fallback):
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


def server_urls(url):
    """The servers' base URLs as a tuple: ``url`` is one URL or a non-empty list of them."""
    from .stream import batches_url
    urls = (url,) if isinstance(url, str) else tuple(url) if isinstance(url, (list, tuple)) else None
    if not urls:
        raise ValueError(f"Expected the server's base URL, or a non-empty list of them, for url but received {url!r}")
    for each in urls:
        batches_url(each)  # a bad URL fails here, not later in a DataLoader worker
    if len(set(urls)) != len(urls):
        raise ValueError(f'Expected distinct URLs for url but received {list(urls)!r}')
    return urls
