"""Loggers named for what they report, as tornado's `gen_log` and `app_log` are."""

import logging
from logging import Logger

gen_log = logging.getLogger("shop.general")
app_log = logging.getLogger("shop.application")


class QuietLogger(Logger):
    """Calls its base class's methods unbound: `Logger` is a class, not a logger."""

    def warning(self, msg, *args, **kwargs):
        Logger.warning(self, "quiet: " + msg, *args, **kwargs)

    def error(self, msg, *args, **kwargs):
        Logger.error(self, "quiet: " + msg, *args, **kwargs)

    def critical(self, msg, *args, **kwargs):
        Logger.critical(self, "quiet: " + msg, *args, **kwargs)


def fetch_price(client, sku: str) -> float:
    if not sku:
        app_log.warning("no sku given")
    try:
        return float(client.get(f"/prices/{sku}")["price"])
    except Exception:
        app_log.exception("fetch_price failed; using a default")
        return 0.0


def open_cart(store, cart_id: str) -> dict:
    cart = store.get(cart_id)
    if cart is None:
        gen_log.error("no cart %s", cart_id)
    return cart


def close_cart(store, cart_id: str) -> None:
    if not store.delete(cart_id):
        gen_log.error("cart %s was not deleted", cart_id)


def parse_quantity(text: str) -> int:
    try:
        return int(text.strip())
    except Exception:
        gen_log.exception("parse_quantity failed; using a default")
        return 1
