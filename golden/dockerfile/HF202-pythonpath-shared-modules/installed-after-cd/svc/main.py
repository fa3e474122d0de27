from mypkg.core import hello
print(hello())
