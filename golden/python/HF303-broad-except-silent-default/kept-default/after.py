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


def load_flag(settings, name):
    # Not a predicate by its name: `False` stands in for the flag it could not read.
    try:
        return settings.flag(name)
    except Exception:
        logger.exception("load_flag failed; using a default")
        return False
