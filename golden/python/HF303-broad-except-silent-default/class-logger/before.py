import logging


def make_logger(name):
    return logging.getLogger(name)


class Base:
    def __init__(self):
        self.log = logging.getLogger(type(self).__name__)


class Spawner(Base):
    def port(self, server):
        try:
            return server.port()
        except Exception:
            return 8888


class Proxy:
    logger = logging.getLogger("proxy")

    def routes(self, api):
        try:
            return api.routes()
        except Exception:
            return {}

    @staticmethod
    def ping(api):
        try:
            return api.ping()
        except Exception:
            return False


class Hub:
    def __init__(self):
        self.log = make_logger("hub")

    def start(self, app):
        try:
            app.start()
        except Exception:
            self.log.exception("start failed")
            raise

    def user_count(self, db):
        try:
            return db.count()
        except Exception:
            return 0
