from waitress import serve

from app import app

serve(app, host="::", port=8080)
