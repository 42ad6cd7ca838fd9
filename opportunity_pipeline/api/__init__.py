"""The scripter surface: `frappe.call("opportunity_pipeline.api.<name>")` or `POST /api/method/...`.

Each name is the feature's own whitelisted function, re-exported here so that scripts have one stable
path; every one checks the caller's permissions and refuses bad input with a ValidationError.

- declare_lost(opportunity, lost_reasons, competitors=None, detailed_reason=None): lost/declare.py
- rebuild_loss_summary(): lost/summary.py (System Manager)
- make_quotation(source_name), make_supplier_quotation(source_name): quotation/make.py
- open_pipeline_card(filters), weighted_pipeline_card(filters): forecast/cards.py
- preview_auto_close(limit, days, statuses), run_auto_close(): auto_close/preview.py
- preview_deal_auto_close(limit, days, close_paused): auto_close/preview.py (Frappe CRM's deals)
- learn_win_probability(company=None): win_probability/job.py (System Manager)
- explain_win_probability(opportunity): win_probability/explain.py
- explain_deal_win_probability(deal): win_probability/explain.py (Frappe CRM's deals)
- pipeline_as_of(date, company=None, group_by=None, document_type=None): pipeline_history/as_of.py
  (document_type "CRM Deal": Frappe CRM's deals, recorded from the app's install on)
- opportunity_history(opportunity): pipeline_history/form.py
- rebuild_pipeline_history(): pipeline_history/backfill.py (System Manager)
- pipeline_health(company=None, user=None, limit=100, document_type=None), my_overdue_follow_ups_card():
  pipeline_health/health.py (document_type "CRM Deal": Frappe CRM's deals, which have no company)
- dry_run_move_to_frappe_crm(): crm_move/dry_run.py (System Manager; what the move from ERPNext's CRM to
  Frappe CRM would make, and what it cannot move, with why)
- move_to_frappe_crm(): crm_move/move.py (System Manager; queues the move itself)
- my_attainment_card(filters=None): team_forecast/cards.py (won / quota this fiscal year, in percent)
"""

from opportunity_pipeline.auto_close.preview import (
	preview_auto_close,
	preview_deal_auto_close,
	run_auto_close,
)
from opportunity_pipeline.crm_move.dry_run import dry_run_move_to_frappe_crm
from opportunity_pipeline.crm_move.move import move_to_frappe_crm
from opportunity_pipeline.forecast.cards import open_pipeline_card, weighted_pipeline_card
from opportunity_pipeline.lost.declare import declare_lost
from opportunity_pipeline.lost.summary import rebuild_loss_summary
from opportunity_pipeline.pipeline_health.health import my_overdue_follow_ups_card, pipeline_health
from opportunity_pipeline.pipeline_history.as_of import pipeline_as_of
from opportunity_pipeline.pipeline_history.backfill import rebuild_pipeline_history
from opportunity_pipeline.pipeline_history.form import opportunity_history
from opportunity_pipeline.quotation.make import make_quotation, make_supplier_quotation
from opportunity_pipeline.team_forecast.cards import my_attainment_card
from opportunity_pipeline.win_probability.explain import (
	explain_deal_win_probability,
	explain_win_probability,
)
from opportunity_pipeline.win_probability.job import learn_win_probability

__all__ = [
	"declare_lost",
	"dry_run_move_to_frappe_crm",
	"explain_deal_win_probability",
	"explain_win_probability",
	"learn_win_probability",
	"make_quotation",
	"make_supplier_quotation",
	"move_to_frappe_crm",
	"my_attainment_card",
	"my_overdue_follow_ups_card",
	"open_pipeline_card",
	"opportunity_history",
	"pipeline_as_of",
	"pipeline_health",
	"preview_auto_close",
	"preview_deal_auto_close",
	"rebuild_loss_summary",
	"rebuild_pipeline_history",
	"run_auto_close",
	"weighted_pipeline_card",
]
