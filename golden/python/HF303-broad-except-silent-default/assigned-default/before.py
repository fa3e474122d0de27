class Quote:
    def __init__(self, feed):
        try:
            self.price = feed.price()
        except Exception:
            self.price = 0.0


def parse_address(value):
    try:
        host, port = value.rsplit(":", 1)
        port = int(port)
    except (ValueError, Exception):
        host, port = "localhost", 8080
    return host, port
