"""The scripter surface: `frappe.call("opportunity_pipeline.api.<name>")`."""

from opportunity_pipeline.api.auto_close import preview_auto_close, run_auto_close

__all__ = ["preview_auto_close", "run_auto_close"]
