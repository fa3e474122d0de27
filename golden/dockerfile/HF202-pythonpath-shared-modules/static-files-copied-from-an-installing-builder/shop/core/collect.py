import sys

from shop.core import db

print(sys.argv[1], db)
