import logging
import os

try:
    WORKERS = int(os.environ["WORKERS"])
except Exception:
    WORKERS = 4

import sys

logger = logging.getLogger(__name__)

DEBUG = "-d" in sys.argv
try:
    LEVEL = int(os.environ["LEVEL"])
except Exception:
    logger.exception("Computing LEVEL failed; using a default")
    LEVEL = 0
