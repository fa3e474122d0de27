import logging
from typing import Any, Optional, Union

LOGGER = logging.getLogger(__name__)


def a() -> Optional[str]:
    try:
        return read()
    except Exception as exc:
        LOGGER.warning("a failed: %s", exc)
        return None


def b() -> Union[int, None]:
    try:
        return int(read())
    except Exception as exc:
        LOGGER.warning("b failed: %s", exc)
        return None


def c() -> "bool | None":
    try:
        return bool(read())
    except Exception as exc:
        LOGGER.warning("c failed: %s", exc)
        return None


def d() -> Any:
    try:
        return read()
    except Exception as exc:
        LOGGER.warning("d failed: %s", exc)
        return None


def e() -> bool:
    try:
        return bool(read())
    except Exception as exc:
        LOGGER.warning("e failed: %s", exc)
        return False


def f():
    try:
        return read()
    except Exception as error:
        LOGGER.warning("f failed: %s", error)
        return None


def read() -> str:
    return ""
