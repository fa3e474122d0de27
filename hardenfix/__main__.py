from hardenfix.entry import console_main

console_main()
