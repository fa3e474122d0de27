from webapp import STATIC

print((STATIC / "index.html").read_text())
