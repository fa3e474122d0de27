import logging as logs

log = logs.getLogger("billing")


class Billing:
    def total(self, logger=None):
        try:
            return self.compute()
        except Exception:
            return -1

    def compute(self):
        def inner():
            try:
                return 1 / 0
            except:
                return None

        return inner()
