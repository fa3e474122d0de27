import mypkg

def main():
    print("mypkg", mypkg.__version__)
