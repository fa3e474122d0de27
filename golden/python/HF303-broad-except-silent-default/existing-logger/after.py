import logging

logger = logging.getLogger(__name__)


def fetch_rate(client, currency: str) -> float:
    try:
        return client.get(f"/rates/{currency}").json()["rate"]
    except Exception:
        logger.exception("fetch_rate failed; using a default")
        # The dashboard shows 0.0 when the provider is down.
        return 0.0
