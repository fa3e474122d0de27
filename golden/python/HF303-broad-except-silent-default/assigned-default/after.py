import logging

logger = logging.getLogger(__name__)


class Quote:
    def __init__(self, feed):
        try:
            self.price = feed.price()
        except Exception:
            logger.exception("Quote.__init__ failed; using a default")
            self.price = 0.0


def parse_address(value):
    try:
        host, port = value.rsplit(":", 1)
        port = int(port)
    except (ValueError, Exception):
        logger.exception("parse_address failed; using a default")
        host, port = "localhost", 8080
    return host, port
