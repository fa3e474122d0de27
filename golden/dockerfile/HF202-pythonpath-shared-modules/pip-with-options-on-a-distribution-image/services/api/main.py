from services.common.db import connect

connect()
