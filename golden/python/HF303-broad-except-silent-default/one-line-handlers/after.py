import logging

logger = logging.getLogger(__name__)


def close(handle):
    try: handle.close()
    except Exception as exc:  # already closed
        logger.warning("close failed: %s", exc)


def size(handle) -> int:
    try:
        return handle.size()
    except Exception as exc:
        logger.warning("size failed: %s", exc)
        return 0
