import logging

logger = logging.getLogger(__name__)


def ratio(a: float, b: float) -> float:
    try:
        return a / b
    except Exception:  # hardenfix: ignore[HF303] division by zero means no data
        return 0.0


VALUE = 1  # hardenfix: ignore[HF301]
