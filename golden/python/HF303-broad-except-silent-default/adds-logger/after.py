import json
import logging
import os

logger = logging.getLogger(__name__)


def upload_report(client, path):
    try:
        with open(path) as report:
            return client.upload(json.load(report))
    except Exception:
        logger.exception("upload_report failed; using a default")
        return {"uploaded": {}}


def load_orders(client) -> list:
    try:
        orders = client.orders(os.environ.get("REGION", "eu"))
    except Exception:
        logger.exception("load_orders failed; using a default")
        return []
    return [order for order in orders if order]
