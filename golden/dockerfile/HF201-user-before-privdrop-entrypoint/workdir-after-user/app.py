open("cache.db", "w").write("x")
