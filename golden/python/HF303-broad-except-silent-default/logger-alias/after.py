import logging as logs

log = logs.getLogger("billing")


class Billing:
    def total(self, logger=None):
        try:
            return self.compute()
        except Exception:
            log.exception("Billing.total failed; using a default")
            return -1

    def compute(self):
        def inner():
            try:
                return 1 / 0
            except:
                log.exception("Billing.compute.inner failed; using a default")
                return None

        return inner()
