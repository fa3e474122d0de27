import os
import sys

import requests


def load_orders() -> list:
    try:
        return requests.get(os.environ["ORDERS_URL"]).json()
    except Exception:
        return []


def flush():
    try:
        sys.stdout.flush()
    except BaseException:
        pass
