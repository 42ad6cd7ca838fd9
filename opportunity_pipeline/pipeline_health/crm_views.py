"""The stalled deals in Frappe CRM's own deal list and kanban (/crm): two public views of the app's, as a
Sales Manager would save them there (CRM View Settings), which every user finds under Public Views.

Frappe CRM's list shows a Check column as a ticked box; its kanban card shows a field's raw value, so the
kanban view keeps to the stalled deals (its filter) and shows on each card what a manager acts on: who
owns the deal, its value, the next follow-up.

No Frappe import: the views are data, tested in layer 1; frappe_crm.add_stalled_deal_views saves them.
"""

import json

STALLED_FIELD = "is_stalled"
# The labels the views are saved under (Frappe CRM's views are named by number), each its own in the
# sidebar's Public Views: Frappe CRM translates them where it lists them (ViewControls.vue:
# __(view.label)), as it does a column's label (api.doc.get_data).
LABEL = "Stalled Deals"
KANBAN_LABEL = "Stalled Deals by Status"
ORDER_BY = "modified desc"

LIST_COLUMNS = (
	# (label, type, key, width, options)
	("Organization", "Link", "organization", "11rem", "CRM Organization"),
	("Status", "Link", "status", "10rem", "CRM Deal Status"),
	("Deal Value", "Currency", "deal_value", "9rem", None),
	("Deal Owner", "Link", "deal_owner", "10rem", "User"),
	("Next Contact Date", "Datetime", "contact_date", "10rem", None),
	("Next Contact By", "Link", "contact_by", "10rem", "User"),
	("Stalled", "Check", STALLED_FIELD, "6rem", None),
	("Last Modified", "Datetime", "modified", "8rem", None),
)
KANBAN_TITLE_FIELD = "organization"
KANBAN_FIELDS = ("deal_value", "deal_owner", "contact_date", "contact_by", "modified")


def _columns() -> list[dict]:
	columns = []
	for label, fieldtype, key, width, options in LIST_COLUMNS:
		column = {"label": label, "type": fieldtype, "key": key, "width": width}
		if options:
			column["options"] = options
		if fieldtype == "Currency":
			column["align"] = "right"
		columns.append(column)
	return columns


def stalled_views(doctype: str, route_name: str, default_rows: list[str]) -> list[dict]:
	"""The list and kanban views of a DocType's stalled deals, as CRM View Settings fields. `default_rows`
	are the fields Frappe CRM's own list of that DocType reads (what it formats a row with: the currency of
	an amount, the SLA's dates), which a view it saves carries too. The kanban's columns are left empty,
	so that Frappe CRM draws one per status the site has when the view is opened, new ones included."""
	columns = _columns()
	rows = list(dict.fromkeys(["name", *(column["key"] for column in columns), *default_rows]))
	common = {
		"dt": doctype,
		"route_name": route_name,
		"public": 1,
		"user": "",
		"filters": json.dumps({STALLED_FIELD: 1}),
		"order_by": ORDER_BY,
	}
	return [
		{**common, "label": LABEL, "type": "list", "columns": json.dumps(columns), "rows": json.dumps(rows)},
		{
			**common,
			"label": KANBAN_LABEL,
			"type": "kanban",
			"column_field": "status",
			"title_field": KANBAN_TITLE_FIELD,
			"kanban_columns": json.dumps([]),
			"kanban_fields": json.dumps(list(KANBAN_FIELDS)),
			"columns": json.dumps([]),
			"rows": json.dumps(list(dict.fromkeys([*rows, KANBAN_TITLE_FIELD, *KANBAN_FIELDS]))),
		},
	]
