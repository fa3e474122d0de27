import logging
from typing import Any, Optional, Union

LOGGER = logging.getLogger(__name__)


def a() -> Optional[str]:
    try:
        return read()
    except Exception:
        return ""


def b() -> Union[int, None]:
    try:
        return int(read())
    except Exception:
        return 0


def c() -> "bool | None":
    try:
        return bool(read())
    except Exception:
        return False


def d() -> Any:
    try:
        return read()
    except Exception:
        return {}


def e() -> bool:
    try:
        return bool(read())
    except Exception:
        return False


def f():
    try:
        return read()
    except Exception as error:
        return None


def read() -> str:
    return ""
