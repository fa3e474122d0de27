from api.routes import ROUTES

print(ROUTES)
