from common import db

print(db.connect())
