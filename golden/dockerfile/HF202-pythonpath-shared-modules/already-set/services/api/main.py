from services.common import x
