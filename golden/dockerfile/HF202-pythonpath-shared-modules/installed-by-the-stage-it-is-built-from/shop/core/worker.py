from shop.core.db import session

session()
