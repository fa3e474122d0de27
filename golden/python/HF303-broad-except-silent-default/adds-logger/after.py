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


def take_out_of_group(run, user, group):
    # A failure answered "yes, it worked" is a hidden failure, predicate or not.
    try:
        return not run(["gpasswd", "-d", user, group]).returncode
    except Exception:
        logger.exception("take_out_of_group failed; using a default")
        return True
