"""Price lookups."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from decimal import Decimal


def price(sku: str) -> Decimal | None:
    try:
        return lookup(sku)
    except Exception:
        return 0


def lookup(sku: str) -> Decimal:
    raise NotImplementedError(sku)
