import logging

logger = logging.getLogger(__name__)


def size(handle) -> int:
    try: return handle.size()
    except Exception:
        logger.exception("size failed; using a default")
        return 0


def name(handle):
    value = "?"
    try: value = handle.name()
    except Exception:  # unnamed handles are fine
        logger.exception("name failed; using a default")
    return value
