from collections import Counter

from prometheus_client import Histogram as _Histogram  # noqa: F401

WORDS = Counter("hello world".split())
