print("client-only build helper")
