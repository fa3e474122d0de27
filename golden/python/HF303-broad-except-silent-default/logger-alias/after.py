import logging as logs

log = logs.getLogger("billing")


class Billing:
    def total(self, exc=None):
        try:
            return self.compute()
        except Exception as error:
            log.warning("Billing.total failed: %s", error)
            return None

    def compute(self):
        def inner():
            try:
                return 1 / 0
            except BaseException as exc:
                log.warning("Billing.compute.inner failed: %s", exc)
                return None

        return inner()
