import redis

POOL = redis.ConnectionPool()
