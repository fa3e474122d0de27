from webapp import STATIC

print(STATIC)
