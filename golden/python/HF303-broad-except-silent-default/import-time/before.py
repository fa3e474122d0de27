import os

try:
    WORKERS = int(os.environ["WORKERS"])
except Exception:
    WORKERS = 4

import sys

DEBUG = "-d" in sys.argv
try:
    LEVEL = int(os.environ["LEVEL"])
except Exception:
    LEVEL = 0
