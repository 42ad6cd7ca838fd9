"""Frappe CRM (frappe/crm), optional: ERPNext stays the one required app, and what the app does for Frappe
CRM's deals waits until Frappe CRM is on the site."""

import hashlib
import json
from pathlib import Path

import frappe
from frappe.modules.utils import sync_customizations

from opportunity_pipeline import frappe_crm_side_panel
from opportunity_pipeline.auto_close.job import IDLE_INDEX
from opportunity_pipeline.pipeline_health import crm_views
from opportunity_pipeline.sql import ensure_index

APP = "crm"
# Frappe CRM's DocTypes the app customizes (custom/<doctype>.json), synced only where they exist.
CUSTOMIZED_DOCTYPES = ("FCRM Settings", "CRM Deal", "CRM Deal Status")


# Frappe CRM's layout of the deal page's side panel (/crm), which a manager arranges.
DEAL_SIDE_PANEL = {"dt": "CRM Deal", "type": "Side Panel"}


# The deal page's Win Probability button: a CRM Form Script of the app's, its code kept in the app.
DEAL_FORM_SCRIPT = "Opportunity Pipeline: Win Probability"
DEAL_FORM_SCRIPT_CODE = Path(__file__).parent / "win_probability" / "crm_deal_form_script.js"
# The checksum of the code the app last wrote there (a global default), to tell a manager's edit from it.
DEAL_FORM_SCRIPT_WRITTEN = "opportunity_pipeline_deal_form_script_checksum"


# The names of the app's public views of stalled deals in /crm (CRM View Settings are named by number).
STALLED_VIEWS_MADE = "opportunity_pipeline_stalled_deal_views"


# The status log's index of stays by status and start (Forecast Accuracy's wins, learn.closed_between).
CLOSING_INDEX = "pipeline_closing_index"
# Lost deals by date (lost/deal_losses.py), with what the Lost Opportunity Analysis sums and groups by and
# the territory a User Permission narrows to: the report reads no table row.
DEAL_LOSSES_INDEX = "deal_losses_index"
# (DocType, index, columns) on Frappe CRM's tables, built where it is installed.
INDEXES = (
	(
		"CRM Deal",
		DEAL_LOSSES_INDEX,
		["status", "lost_date", "territory", "lost_reason", "deal_owner", "deal_value", "exchange_rate"],
	),
	# Open deals by status and last change: what the auto-close of idle deals reads.
	("CRM Deal", IDLE_INDEX, ["status", "modified"]),
	# A deal's logged calls by date: whether one answered it lately (Frappe CRM indexes none of these).
	("CRM Call Log", "call_by_reference_index", ["reference_docname", "reference_doctype", "creation"]),
	# The digest's sections on deals: follow-ups by date and the stalled ones, with whom they reach.
	(
		"CRM Deal",
		"follow_up_index",
		["status", "contact_date", "deal_owner", "contact_by", "creation", "territory"],
	),
	("CRM Deal", "stalled_index", ["is_stalled", "status", "deal_owner", "contact_by", "territory"]),
	# The status log's stays by status and start, and whether each is still open: the deals won in a range
	# (Forecast Accuracy), read from the open won stays that began in it; grouping every won deal's log
	# took 5.9 s on 400,000 won deals.
	(
		"CRM Status Change Log",
		CLOSING_INDEX,
		["from", "from_date", "parenttype", "parentfield", "to", "parent"],
	),
	# Open deals by expected closing, with what the forecast sums and groups by (status, territory, owner,
	# forecast category) and the stalled flag it may leave out: on 1,000,000 deals it read every row, 2.2
	# to 2.8 s. The Forecast Grid reads it too.
	(
		"CRM Deal",
		"pipeline_forecast_index",
		[
			"status",
			"expected_closure_date",
			"territory",
			"deal_owner",
			"forecast_category",
			"deal_value",
			"exchange_rate",
			"probability",
			"is_stalled",
		],
	),
)


def installed() -> bool:
	return APP in frappe.get_installed_apps()


def set_up():
	"""Install and migrate of this app, where Frappe CRM is on the site."""
	from opportunity_pipeline.auto_close.deals import save_defaults

	if installed():
		save_defaults()
		for doctype, index_name, columns in INDEXES:
			ensure_index(doctype, index_name, columns)
		refresh_deal_form_script()


def after_app_install(app_name: str):
	"""Frappe CRM installed after this app: its customizations, which the app's own install skipped
	(Frappe syncs a custom/<doctype>.json only where the DocType exists), and their defaults."""
	if app_name == APP:
		sync_customizations("opportunity_pipeline")
		set_up()
		show_in_side_panel()
		add_deal_form_script()
		add_stalled_deal_views()
		start_deal_history()
		fill_deal_categories()
		date_deal_losses()


def before_app_uninstall(app_name: str):
	"""Frappe CRM leaving while this app stays: the app's fields on Frappe CRM's DocTypes go with them,
	and their values, which a later install would read as a manager's choice."""
	if app_name == APP:
		delete_customizations()


def fill_deal_categories():
	"""Every deal in its forecast category (Frappe CRM installed after this app, or by a patch)."""
	from opportunity_pipeline.forecast_category.category import fill_categories
	from opportunity_pipeline.pipeline_document import CRM_DEAL

	if installed():
		fill_categories(CRM_DEAL)


def date_deal_losses():
	"""The deals lost before the app dated losses, dated from Frappe CRM's status change log (install of
	either app, and a patch)."""
	from opportunity_pipeline.lost.deal_losses import date_past_losses

	if installed():
		date_past_losses()


def start_deal_history():
	"""Every deal's current row in the pipeline history, once (on install of either app, and by a patch):
	from then on each change writes one. What happened before is not read back (Frappe CRM's status log
	holds the statuses only), so an as-of query before this moment finds no deal."""
	from opportunity_pipeline.pipeline_document import CRM_DEAL
	from opportunity_pipeline.pipeline_history.record import record_changes

	if installed():
		record_changes(frappe.qb.DocType(CRM_DEAL.doctype).name.isnotnull(), document=CRM_DEAL)


def show_in_side_panel(*sections: str):
	"""The app's sections (frappe_crm_side_panel.SECTIONS; all of them by default) in the deal page's side
	panel, each once: on install (of either app) and by a patch, never on migrate, so that a manager who
	takes a section away keeps it away."""
	names = sections or tuple(frappe_crm_side_panel.SECTIONS)
	_change_side_panel(lambda layout: frappe_crm_side_panel.with_sections(layout, names))


def add_deal_form_script():
	"""The Win Probability button on the deal page, once: on install (of either app) and by a patch, never
	on migrate, so that a manager who deletes the script keeps it deleted (disabling it is kept too)."""
	if installed() and not frappe.db.exists("CRM Form Script", DEAL_FORM_SCRIPT):
		code = DEAL_FORM_SCRIPT_CODE.read_text()
		frappe.get_doc(
			{"doctype": "CRM Form Script", "dt": "CRM Deal", "view": "Form", "enabled": 1, "script": code}
		).insert(ignore_permissions=True, set_name=DEAL_FORM_SCRIPT)
		_note_code_written(code)


def add_stalled_deal_views():
	"""The public list and kanban views of stalled deals in /crm, once: on install (of either app) and by
	a patch, never on migrate, so that views a manager deleted stay deleted and those they changed stay
	theirs. Made as Frappe CRM's own "Make Public" leaves a view: public, of no one user."""
	from opportunity_pipeline.pipeline_document import CRM_DEAL

	if not installed() or frappe.db.get_global(STALLED_VIEWS_MADE):
		return
	from crm.fcrm.doctype.crm_view_settings.crm_view_settings import get_route_name, sync_default_rows

	doctype = CRM_DEAL.doctype
	made = [
		frappe.get_doc({"doctype": "CRM View Settings", **view}).insert(ignore_permissions=True).name
		for view in crm_views.stalled_views(doctype, get_route_name(doctype), sync_default_rows(doctype))
	]
	frappe.db.set_global(STALLED_VIEWS_MADE, json.dumps(made))


def _delete_stalled_deal_views():
	"""The app's views of stalled deals, where they still exist: they filter on a field that goes."""
	for name in json.loads(frappe.db.get_global(STALLED_VIEWS_MADE) or "[]"):
		frappe.delete_doc_if_exists("CRM View Settings", name, force=True)
	frappe.db.set_global(STALLED_VIEWS_MADE, None)


def refresh_deal_form_script():
	"""Migrate: the app's script gets the code of the app's version, unless a manager edited it since the
	app last wrote it (its code is no longer the one the app noted then): their code stays theirs. Where
	nothing is noted (installed before the app noted it), code that differs from the app's is a manager's
	too: the app's code has not changed since then."""
	code = DEAL_FORM_SCRIPT_CODE.read_text()
	stored = frappe.db.get_value("CRM Form Script", DEAL_FORM_SCRIPT, "script")
	noted = frappe.db.get_global(DEAL_FORM_SCRIPT_WRITTEN)
	if stored == code:
		if noted != _checksum(code):
			_note_code_written(code)
		return
	if stored is None or noted != _checksum(stored):
		return
	frappe.db.set_value("CRM Form Script", DEAL_FORM_SCRIPT, "script", code)
	_note_code_written(code)


def _note_code_written(code: str):
	frappe.db.set_global(DEAL_FORM_SCRIPT_WRITTEN, _checksum(code))


def _checksum(code: str) -> str:
	return hashlib.sha256(code.encode()).hexdigest()


def _change_side_panel(change):
	"""Save the side panel's layout as `change` returns it (None: nothing to change). Frappe CRM makes
	the layout on its install; a site without it shows Frappe CRM's default, which the app leaves."""
	if not installed() or not frappe.db.exists("CRM Fields Layout", DEAL_SIDE_PANEL):
		return
	side_panel = frappe.get_doc("CRM Fields Layout", DEAL_SIDE_PANEL)
	changed = change(json.loads(side_panel.layout or "[]"))
	if changed is not None:
		side_panel.layout = json.dumps(changed)
		side_panel.save(ignore_permissions=True)


def app_fields(doctype: str) -> list:
	"""The app's Custom Fields on a DocType of Frappe CRM's: name and fieldname."""
	return frappe.get_all(
		"Custom Field",
		filters={"dt": doctype, "module": "Opportunity Pipeline"},
		fields=["name", "fieldname"],
	)


def delete_customizations():
	"""Either app's uninstall: the app's fields on Frappe CRM's DocTypes, their values and its indexes,
	its section of the deal page's side panel, its form script, its views of stalled deals and the deals'
	pipeline history."""
	_change_side_panel(frappe_crm_side_panel.without_app_sections)
	if frappe.db.table_exists("CRM Form Script"):
		frappe.delete_doc_if_exists("CRM Form Script", DEAL_FORM_SCRIPT, force=True)
	if frappe.db.table_exists("CRM View Settings"):
		_delete_stalled_deal_views()
	# The deals' history goes with the deals (this app's own uninstall drops the whole table).
	frappe.db.delete("Opportunity Pipeline State", {"document_type": "CRM Deal"})
	frappe.db.set_global(DEAL_FORM_SCRIPT_WRITTEN, None)
	for doctype, index_name, _columns in INDEXES:
		if frappe.db.table_exists(doctype) and frappe.db.has_index(f"tab{doctype}", index_name):
			frappe.db.sql_ddl(f"alter table `tab{doctype}` drop index `{index_name}`")
	for doctype in CUSTOMIZED_DOCTYPES:
		ours = app_fields(doctype)
		if ours and frappe.db.get_value("DocType", doctype, "issingle"):
			frappe.db.delete("Singles", {"doctype": doctype, "field": ("in", [f.fieldname for f in ours])})
		for field in ours:
			frappe.delete_doc("Custom Field", field.name, force=True, ignore_permissions=True)
		frappe.clear_cache(doctype=doctype)
