"""Price lookups."""

from __future__ import annotations

__all__ = ["price"]

import logging
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from decimal import Decimal

try:
    import ujson as json
except ImportError:
    import json

sys.path.insert(0, "vendor")
import decimal

logger = logging.getLogger(__name__)

CACHE: dict[str, decimal.Decimal] = {}


def price(sku: str, lookup) -> Decimal | None:
    try:
        return decimal.Decimal(json.loads(lookup(sku))["price"])
    except Exception:
        logger.exception("price failed; using a default")
        return None
