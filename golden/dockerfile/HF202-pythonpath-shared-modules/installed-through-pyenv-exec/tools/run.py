from mypkg.core import run

run()
