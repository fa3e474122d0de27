import contextlib
import logging
from contextlib import suppress

logger = logging.getLogger(__name__)


def timeout(config):
    seconds = 30.0
    try:
        seconds = float(config["timeout"])
    except Exception:
        logger.exception("timeout failed; using a default")
    return seconds


def version(package):
    try:
        return package.metadata["Version"]
    except (KeyError, Exception):
        logger.exception("version failed; using a default")
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
