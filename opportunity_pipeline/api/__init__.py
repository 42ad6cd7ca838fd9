"""The scripter surface: `frappe.call("opportunity_pipeline.api.<name>")`."""

from opportunity_pipeline.api.auto_close import preview_auto_close, run_auto_close
from opportunity_pipeline.api.quotation import make_quotation, make_supplier_quotation

__all__ = ["make_quotation", "make_supplier_quotation", "preview_auto_close", "run_auto_close"]
