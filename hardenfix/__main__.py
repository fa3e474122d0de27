from hardenfix.entry import main

main()
