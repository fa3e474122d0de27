import contextlib
from contextlib import suppress


def timeout(config):
    seconds = 30.0
    with suppress(Exception):
        seconds = float(config["timeout"])
    return seconds


def version(package):
    with contextlib.suppress(KeyError, Exception):
        return package.metadata["Version"]
    return "0"


def rows(cursor):
    with contextlib.suppress(Exception), cursor:
        return cursor.fetchall()
    return []


def rate(client, currency):
    value = 0.0
    with suppress(Exception) as guard:  # a `try` would not bind `guard`: no fix
        value = client.rate(currency)
    assert guard is None
    return value
