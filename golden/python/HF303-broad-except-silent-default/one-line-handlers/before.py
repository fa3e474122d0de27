import logging

logger = logging.getLogger(__name__)


def size(handle) -> int:
    try: return handle.size()
    except Exception: return 0


def name(handle):
    value = "?"
    try: value = handle.name()
    except Exception: pass  # unnamed handles are fine
    return value
