import contextlib
import logging

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
