"""Layer 1: fast tests that read the app's files and run its pure logic, without importing Frappe."""

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "opportunity_pipeline"
MODULE_DIR = PACKAGE / "opportunity_pipeline"

sys.path.insert(0, str(REPO))
