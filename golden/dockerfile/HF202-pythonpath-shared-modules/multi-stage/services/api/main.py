from services.common import X
