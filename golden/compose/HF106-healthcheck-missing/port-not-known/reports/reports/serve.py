import os

from reports.app import serve

serve(int(os.environ.get("REPORTS_PORT", "0")))
