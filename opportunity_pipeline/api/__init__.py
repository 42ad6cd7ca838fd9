"""The scripter surface: `frappe.call("opportunity_pipeline.api.<name>")`."""

from opportunity_pipeline.api.auto_close import preview_auto_close, run_auto_close
from opportunity_pipeline.api.forecast import open_pipeline_card, weighted_pipeline_card
from opportunity_pipeline.api.lost import declare_lost
from opportunity_pipeline.api.quotation import make_quotation, make_supplier_quotation

__all__ = [
	"declare_lost",
	"make_quotation",
	"make_supplier_quotation",
	"open_pipeline_card",
	"preview_auto_close",
	"run_auto_close",
	"weighted_pipeline_card",
]
