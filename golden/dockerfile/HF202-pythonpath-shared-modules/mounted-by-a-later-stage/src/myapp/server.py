from myapp.client import X
