from shop.core.db import session

print(session())
