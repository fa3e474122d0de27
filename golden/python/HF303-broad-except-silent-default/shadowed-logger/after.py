import logging

logger = logging.getLogger(__name__)


def retries(value, logger=None):
    try:
        return int(value)
    except Exception:
        return 3


def timeout(value):
    logger = None
    try:
        return float(value)
    except Exception:
        return 5.0


def delay(value):
    def parse():
        try:
            return float(value)
        except Exception:
            return 1.0

    for logger in ("a", "b"):
        pass
    return parse()
