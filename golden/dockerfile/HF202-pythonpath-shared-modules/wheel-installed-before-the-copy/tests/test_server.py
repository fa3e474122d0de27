from mypkg.server import main

def test_main():
    main()
