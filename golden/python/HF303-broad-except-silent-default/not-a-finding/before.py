import logging

logger = logging.getLogger(__name__)


def logs():
    try:
        return compute()
    except Exception:
        logger.exception("compute failed")
        return 0


def reraises():
    try:
        return compute()
    except Exception:
        raise


def narrow():
    try:
        return compute()
    except (KeyError, ValueError):
        return 0


def narrow_single():
    try:
        return compute()
    except ZeroDivisionError:
        pass


def computes_fallback():
    try:
        return compute()
    except Exception:
        return compute_default()


def compute():
    return 1


def compute_default():
    return 0
