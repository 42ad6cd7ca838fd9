"""Open opportunities by expected closing period: amount and weighted amount (amount x probability),
grouped by sales stage, owner, converted by, territory or type; overdue and undated ones apart. On a site
with Frappe CRM, the same for its deals (Document Type), read through their pipeline declaration."""

from collections import defaultdict

from pypika.enums import DatePart

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.query_builder.functions import Coalesce, Count, Extract, Sum
from frappe.utils import add_months, getdate, today

from opportunity_pipeline import frappe_crm
from opportunity_pipeline.document_types import base_currency, chosen, open_statuses, ordered_stages
from opportunity_pipeline.forecast.rules import Bucket
from opportunity_pipeline.forecast_category.rules import CATEGORIES
from opportunity_pipeline.install import INDEXES as OPPORTUNITY_INDEXES
from opportunity_pipeline.permissions import readable_condition
from opportunity_pipeline.pipeline_document import PIPELINE_DOCUMENTS
from opportunity_pipeline.reporting.periods import period_key, period_label, periods_between
from opportunity_pipeline.reporting.query import (
	amount_in_company_currency,
	choose,
	narrowed,
	require_company_and_range,
)
from opportunity_pipeline.validation import date_value

# The Group By choices: every label a document type declares a group under.
GROUP_CHOICES = tuple(dict.fromkeys(label for d in PIPELINE_DOCUMENTS.values() for label in d.groups))
FORECAST_PERIODICITIES = ("Monthly", "Quarterly")
# What the forecast does with stalled opportunities (pipeline_health): count them like the others,
# leave them out, or show them in their own columns.
STALLED_CHOICES = ("Include", "Leave Out", "Show Apart")
# Each equality filter and the declared group it filters on.
EQUALITY_FILTERS = {
	"territory": "Territory",
	"sales_stage": "Sales Stage",
	"opportunity_type": "Opportunity Type",
	"opportunity_owner": "Opportunity Owner",
}
CHART_GROUPS = 8
FORECAST_CATEGORY = "Forecast Category"
# The covering indexes of the forecast (install.INDEXES, frappe_crm.INDEXES) are named from this.
FORECAST_INDEX = "pipeline_forecast"


def execute(filters=None):
	filters = _checked(frappe._dict(filters or {}))
	document = chosen(filters.get("document_type"))
	_check_for_document(filters, document)
	periods = periods_between(filters.from_date, filters.to_date, filters.periodicity)
	currency = base_currency(document, filters.company)
	rows, totals = _grouped(_sums(filters, document), periods, filters, document)
	return (
		_columns(periods, filters, currency),
		rows,
		None,
		_chart(rows, periods, filters, currency),
		_summary(totals, currency),
	)


def _checked(filters):
	from_date = date_value(filters.get("from_date") or today(), _("From Date"))
	require_company_and_range(
		filters,
		from_date,
		filters.get("to_date") or add_months(from_date, 12),
		"Opportunity Pipeline Forecast",
	)
	choose(filters, "periodicity", FORECAST_PERIODICITIES, _("Periodicity"))
	choose(filters, "group_by", GROUP_CHOICES, _("Group By"))
	choose(filters, "stalled", STALLED_CHOICES, _("Stalled Opportunities"))
	return filters


def _check_for_document(filters, document):
	"""What the chosen document type has: its groups, and the stalled flag where the app keeps one."""
	label = _(document.doctype)
	if filters.group_by not in document.groups:
		frappe.throw(_("{0} cannot be grouped by {1}.").format(label, _(filters.group_by)))
	for fieldname, group in EQUALITY_FILTERS.items():
		if filters.get(fieldname) and group not in document.groups:
			frappe.throw(_("{0} has no {1} to filter by.").format(label, _(group)))
	if filters.stalled != STALLED_CHOICES[0] and not document.stalled_field:
		frappe.throw(_("Stalled {0} are not tracked yet: choose Include.").format(label))


def _sums(filters, document) -> list:
	"""One grouped query: count, amount and weighted amount per group, bucket, year and month."""
	opportunity = frappe.qb.DocType(document.doctype)
	today_ = getdate(today())
	closing = opportunity[document.expected_closing_field]
	bucket = Case()
	if filters.stalled == "Show Apart":
		bucket = bucket.when(opportunity[document.stalled_field] == 1, Bucket.STALLED)
	bucket = (
		bucket.when(closing.isnull(), Bucket.UNDATED)
		.when(closing < today_, Bucket.OVERDUE)
		.else_(Bucket.IN_RANGE)
	)
	amount = amount_in_company_currency(opportunity, document)
	group = Coalesce(opportunity[document.groups[filters.group_by]], "")
	year, month = Extract(DatePart.year, closing), Extract(DatePart.month, closing)

	condition = opportunity[document.status_field].isin(open_statuses(document)) & (
		closing[max(filters.from_date, today_) : filters.to_date] | (closing < today_) | closing.isnull()
	)
	if document.company_field:
		condition &= opportunity[document.company_field] == filters.company
	if filters.stalled == "Leave Out":
		condition &= opportunity[document.stalled_field] == 0
	fields = {fieldname: document.groups.get(group) for fieldname, group in EQUALITY_FILTERS.items()}
	condition = narrowed(
		condition, filters, EQUALITY_FILTERS, readable_condition(document.doctype), opportunity, fields
	)

	query = frappe.qb.from_(opportunity)
	if index := _covering_index(document, document.groups[filters.group_by]):
		query = query.force_index(index)
	return (
		query.select(
			group.as_("grp"),
			bucket.as_("bucket"),
			year.as_("year"),
			month.as_("month"),
			Count(opportunity.name).as_("count"),
			Sum(amount).as_("amount"),
			Sum(amount * Coalesce(opportunity[document.probability_field], 0) / 100).as_("weighted"),
		)
		.where(condition)
		.groupby(group, bucket, year, month)
		.run(as_dict=True)
	)


def _covering_index(document, group_field: str) -> str | None:
	"""The forecast's covering index that holds the grouping field, where the site has it. Opportunity has
	two (its five groupings do not fit in one InnoDB key), and MariaDB's choice between them moved with its
	statistics: on 1,000,000 opportunities it read the by-owner grouping through the index without the
	owner, 4 s instead of 0.3 (benchmarks/forecast.py)."""
	for doctype, name, columns in (*OPPORTUNITY_INDEXES, *frappe_crm.INDEXES):
		if (
			doctype == document.doctype
			and name.startswith(FORECAST_INDEX)
			and group_field in columns
			and frappe.db.has_index(f"tab{doctype}", name)
		):
			return name
	return None


def _grouped(sums, periods, filters, document):
	"""Rows per group with a column pair per period, and the report's totals; overdue and undated
	opportunities are counted in their own columns, not in the periods'."""
	rows = defaultdict(lambda: defaultdict(int))
	totals = defaultdict(int)
	for total in sums:
		row = rows[total.grp]
		if total.bucket == Bucket.IN_RANGE:
			index = periods.index(period_key(int(total.year), int(total.month), filters.periodicity))
			row[f"p{index}_amount"] += total.amount or 0
			row[f"p{index}_weighted"] += total.weighted or 0
			prefix = ""
		else:
			prefix = {Bucket.OVERDUE: "overdue_", Bucket.UNDATED: "undated_", Bucket.STALLED: "stalled_"}[
				Bucket(total.bucket)
			]
		for measure in ("count", "amount", "weighted"):
			row[f"{prefix}{measure}"] += total[measure] or 0
			totals[f"{prefix}{measure}"] += total[measure] or 0
	if filters.group_by == FORECAST_CATEGORY:
		# Fixed values, shown in the user's language and in forecast order.
		order = {category: index for index, category in enumerate(CATEGORIES)}
		ordered = sorted(rows.items(), key=lambda item: order.get(item[0], len(order)))
		return [{"group": _(group) if group else _("Not Set"), **values} for group, values in ordered], totals
	result = [{"group": group or _("Not Set"), **values} for group, values in rows.items()]
	if filters.group_by == "Sales Stage":
		order = {stage: index for index, stage in enumerate(ordered_stages(document))}
		result.sort(key=lambda row: (order.get(row["group"], len(order)), row["group"]))
	else:
		result.sort(key=lambda row: (-row.get("weighted", 0), row["group"]))
	return result, totals


def _columns(periods, filters, currency) -> list[dict]:
	def money(fieldname, label, width=120):
		return {
			"fieldname": fieldname,
			"label": label,
			"fieldtype": "Currency",
			"options": currency,
			"width": width,
		}

	columns = [{"fieldname": "group", "label": _(filters.group_by), "fieldtype": "Data", "width": 180}]
	for index, key in enumerate(periods):
		label = period_label(key, filters.periodicity)
		columns += [
			money(f"p{index}_amount", _("{0} Amount").format(label)),
			money(f"p{index}_weighted", _("{0} Weighted").format(label)),
		]
	columns += [
		{"fieldname": "count", "label": _("Open Opportunities"), "fieldtype": "Int", "width": 100},
		money("amount", _("Pipeline Amount"), 130),
		money("weighted", _("Weighted Amount"), 130),
		{"fieldname": "overdue_count", "label": _("Overdue"), "fieldtype": "Int", "width": 90},
		money("overdue_amount", _("Overdue Amount"), 130),
		money("overdue_weighted", _("Overdue Weighted"), 130),
		{
			"fieldname": "undated_count",
			"label": _("Without Expected Closing"),
			"fieldtype": "Int",
			"width": 110,
		},
	]
	if filters.stalled == "Show Apart":
		columns += [
			{"fieldname": "stalled_count", "label": _("Stalled"), "fieldtype": "Int", "width": 90},
			money("stalled_amount", _("Stalled Amount"), 130),
			money("stalled_weighted", _("Stalled Weighted"), 130),
		]
	return columns


def _chart(rows, periods, filters, currency) -> dict:
	"""Weighted amount per period, stacked by the groups with the largest weighted pipeline."""
	shown = rows if filters.group_by in ("Sales Stage", FORECAST_CATEGORY) else rows[:CHART_GROUPS]
	return {
		"data": {
			"labels": [period_label(key, filters.periodicity) for key in periods],
			"datasets": [
				{
					"name": row["group"],
					"values": [row.get(f"p{index}_weighted", 0) for index in range(len(periods))],
				}
				for row in shown
			],
		},
		"type": "bar",
		"barOptions": {"stacked": 1},
		"fieldtype": "Currency",
		"options": currency,
	}


def _summary(totals, currency) -> list[dict]:
	def money(value, label, **extra):
		return {"value": value, "label": label, "datatype": "Currency", "currency": currency, **extra}

	return [
		{"value": totals["count"], "label": _("Open Opportunities"), "datatype": "Int"},
		money(totals["amount"], _("Pipeline Amount")),
		money(totals["weighted"], _("Weighted Amount"), indicator="Blue"),
		{
			"value": totals["overdue_count"],
			"label": _("Overdue"),
			"datatype": "Int",
			"indicator": "Red" if totals["overdue_count"] else "Green",
		},
		money(totals["overdue_amount"], _("Overdue Amount")),
		{"value": totals["undated_count"], "label": _("Without Expected Closing"), "datatype": "Int"},
	]
