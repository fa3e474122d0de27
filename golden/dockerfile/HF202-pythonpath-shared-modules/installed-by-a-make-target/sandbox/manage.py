from shop.core import run

if __name__ == "__main__":
    run()
