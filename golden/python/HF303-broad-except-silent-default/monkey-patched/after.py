from gevent import monkey

monkey.patch_all()

import requests


def status(url):
    try:
        return requests.get(url).status_code
    except Exception:
        return 0
