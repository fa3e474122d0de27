from mypkg.proxy_tools.handler import serve

if __name__ == "__main__":
    serve()
