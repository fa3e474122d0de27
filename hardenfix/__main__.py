from hardenfix.cli import main

main()
