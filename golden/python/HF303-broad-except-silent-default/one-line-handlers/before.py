import logging

logger = logging.getLogger(__name__)


def close(handle):
    try: handle.close()
    except Exception: pass  # already closed


def size(handle) -> int:
    try:
        return handle.size()
    except Exception: return 0
