import logging

logger = logging.getLogger(__name__)


def max_connections(settings):
    limit = 100
    try:
        limit = int(settings["max_connections"])
    except Exception:
        logger.exception("max_connections failed; using a default")
    return limit


def cached_rate(cache, currency):
    try:
        return cache.rate(currency)
    except Exception:
        logger.exception("cached_rate failed; using a default")
    return None


def first_line(path):
    try:
        with open(path) as handle:
            return handle.readline()
    except BaseException:
        # A missing file has no first line.
        logger.exception("first_line failed; using a default")
