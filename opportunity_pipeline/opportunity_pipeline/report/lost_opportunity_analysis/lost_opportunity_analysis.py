"""Losses counted and valued by reason or reason category, per period, against the previous period."""

from collections import defaultdict

from pypika.enums import DatePart
from pypika.terms import ExistsCriterion

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.query_builder.functions import Coalesce, Count, Extract, Sum
from frappe.utils import get_datetime

from opportunity_pipeline.permissions import readable_opportunities
from opportunity_pipeline.reporting.periods import (
	PERIODICITIES,
	change_percent,
	period_key,
	period_label,
	periods_between,
	previous_range,
)
from opportunity_pipeline.reporting.query import (
	amount_in_company_currency,
	choose,
	narrowed,
	opportunity_first,
	require_company_and_range,
)

# Filters that are plain equalities on Opportunity fields.
EQUALITY_FILTERS = (
	"territory",
	"sales_stage",
	"opportunity_type",
	"source",
	"converted_by",
	"opportunity_owner",
)
CHART_GROUPS = 8


def execute(filters=None):
	filters = _checked(frappe._dict(filters or {}))
	readable = readable_opportunities()
	periods = periods_between(filters.from_date, filters.to_date, filters.periodicity)

	losses = _losses(filters, readable)
	current = [row for row in losses if row.current]
	previous = [row for row in losses if not row.current]

	rows = _rows(current, previous, periods, filters.periodicity)
	return (
		_columns(periods, filters),
		rows,
		None,
		_chart(rows, periods, filters.periodicity),
		_summary(filters, readable, rows),
	)


def _checked(filters):
	require_company_and_range(filters, filters.get("from_date"), filters.get("to_date"))
	choose(filters, "periodicity", PERIODICITIES, _("Periodicity"))
	choose(filters, "group_by", ("Reason", "Category"), _("Group By"))
	return filters


def _conditions(filters, readable, start, end):
	"""Which lost opportunities count: the filters, the user's permissions, lost in [start, end]. The
	app's lost_opportunity_analysis_index serves it."""
	opportunity = frappe.qb.DocType("Opportunity")
	condition = (
		(opportunity.status == "Lost")
		& (opportunity.company == filters.company)
		& opportunity.lost_date[get_datetime(start) : get_datetime(f"{end} 23:59:59.999999")]
	)
	return narrowed(condition, filters, EQUALITY_FILTERS, readable)


def _is_current(filters):
	opportunity = frappe.qb.DocType("Opportunity")
	return Case().when(opportunity.lost_date >= get_datetime(filters.from_date), 1).else_(0)


def _losses(filters, readable) -> list:
	"""Count and amount per group, per year and month, for the range (current) and the previous one,
	in one grouped join. An opportunity counts once per group: a reason row counts only when no earlier
	row of the same opportunity has the same group (two reasons of one category count it once there).

	It reads Opportunity through the app's covering index and each reason row through the index on
	(parent, parenttype, lost_reason, idx), so neither table's rows are read."""
	opportunity = frappe.qb.DocType("Opportunity")
	detail = frappe.qb.DocType("Opportunity Lost Reason Detail")
	reason = frappe.qb.DocType("Opportunity Lost Reason")
	earlier = frappe.qb.DocType("Opportunity Lost Reason Detail").as_("earlier")
	earlier_reason = frappe.qb.DocType("Opportunity Lost Reason").as_("earlier_reason")

	by_category = filters.group_by == "Category"
	group = Coalesce(reason.category, "") if by_category else detail.lost_reason
	same_group_earlier = (
		frappe.qb.from_(earlier)
		.select(1)
		.where(
			(earlier.parent == detail.parent)
			& (earlier.parenttype == "Opportunity")
			& (earlier.idx < detail.idx)
		)
	)
	if by_category:
		same_group_earlier = (
			same_group_earlier.left_join(earlier_reason)
			.on(earlier_reason.name == earlier.lost_reason)
			.where(Coalesce(earlier_reason.category, "") == group)
		)
	else:
		same_group_earlier = same_group_earlier.where(earlier.lost_reason == detail.lost_reason)

	start = previous_range(filters.from_date, filters.to_date)[0]
	year, month = (
		Extract(DatePart.year, opportunity.lost_date),
		Extract(DatePart.month, opportunity.lost_date),
	)
	current = _is_current(filters)
	query = (
		frappe.qb.from_(opportunity)
		.join(detail)
		.on((detail.parent == opportunity.name) & (detail.parenttype == "Opportunity"))
		.left_join(reason)
		.on(reason.name == detail.lost_reason)
		.select(
			group.as_("grp"),
			current.as_("current"),
			year.as_("year"),
			month.as_("month"),
			Count(detail.name).as_("count"),
			Sum(amount_in_company_currency(opportunity)).as_("amount"),
		)
		.where(_conditions(filters, readable, start, filters.to_date))
		.where((detail.idx == 1) | ExistsCriterion(same_group_earlier).negate())
		.groupby(group, current, year, month)
	)
	return opportunity_first(query).run(as_dict=True)


def _rows(current, previous, periods, periodicity) -> list[dict]:
	rows = defaultdict(lambda: defaultdict(float))
	for row in current:
		index = periods.index(period_key(int(row.year), int(row.month), periodicity))
		target = rows[row.grp]
		target[f"p{index}_count"] += row.count
		target[f"p{index}_amount"] += row.amount or 0
		target["total_count"] += row.count
		target["total_amount"] += row.amount or 0
	for row in previous:
		rows[row.grp]["previous_count"] += row.count
		rows[row.grp]["previous_amount"] += row.amount or 0
	result = []
	for group, values in rows.items():
		values = dict(values)
		values["group"] = group or _("No Category")
		values["change"] = change_percent(values.get("total_count", 0), values.get("previous_count", 0))
		result.append(values)
	return sorted(result, key=lambda row: (-row.get("total_count", 0), row["group"]))


def _columns(periods, filters) -> list[dict]:
	currency = frappe.get_cached_value("Company", filters.company, "default_currency")
	columns = [
		{
			"fieldname": "group",
			"label": _("Lost Reason") if filters.group_by == "Reason" else _("Category"),
			"fieldtype": "Data",
			"width": 200,
		}
	]
	for index, key in enumerate(periods):
		label = period_label(key, filters.periodicity)
		columns += [
			{"fieldname": f"p{index}_count", "label": label, "fieldtype": "Int", "width": 90},
			{
				"fieldname": f"p{index}_amount",
				"label": _("{0} Amount").format(label),
				"fieldtype": "Currency",
				"options": currency,
				"width": 120,
			},
		]
	columns += [
		{"fieldname": "total_count", "label": _("Losses"), "fieldtype": "Int", "width": 90},
		{
			"fieldname": "total_amount",
			"label": _("Amount Lost"),
			"fieldtype": "Currency",
			"options": currency,
			"width": 130,
		},
		{"fieldname": "previous_count", "label": _("Previous Period"), "fieldtype": "Int", "width": 110},
		{
			"fieldname": "previous_amount",
			"label": _("Previous Amount"),
			"fieldtype": "Currency",
			"options": currency,
			"width": 130,
		},
		{"fieldname": "change", "label": _("Change %"), "fieldtype": "Percent", "width": 90},
	]
	return columns


def _chart(rows, periods, periodicity) -> dict:
	"""The trend: losses per period, stacked by the groups with most losses."""
	return {
		"data": {
			"labels": [period_label(key, periodicity) for key in periods],
			"datasets": [
				{
					"name": row["group"],
					"values": [row.get(f"p{index}_count", 0) for index in range(len(periods))],
				}
				for row in rows[:CHART_GROUPS]
			],
		},
		"type": "bar",
		"barOptions": {"stacked": 1},
	}


def _summary(filters, readable, rows) -> list[dict]:
	"""The totals, the change against the previous period, and the competitors lost to most often."""
	opportunity = frappe.qb.DocType("Opportunity")
	competitor = frappe.qb.DocType("Competitor Detail")
	lost_to = Count(opportunity.name).distinct()
	competitors = opportunity_first(
		frappe.qb.from_(opportunity)
		.join(competitor)
		.on((competitor.parent == opportunity.name) & (competitor.parenttype == "Opportunity"))
		.select(competitor.competitor, lost_to.as_("count"))
		.where(_conditions(filters, readable, filters.from_date, filters.to_date))
		.groupby(competitor.competitor)
		.orderby(lost_to, order=frappe.qb.desc)
		.orderby(competitor.competitor)
		.limit(5)
	).run(as_dict=True)
	counts = dict(
		frappe.qb.from_(opportunity)
		.select(_is_current(filters), Count(opportunity.name))
		.where(
			_conditions(
				filters, readable, previous_range(filters.from_date, filters.to_date)[0], filters.to_date
			)
		)
		.groupby(_is_current(filters))
		.run()
	)
	total, previous = counts.get(1, 0), counts.get(0, 0)
	change = change_percent(total, previous)
	summary = [
		{"value": total, "label": _("Opportunities Lost"), "datatype": "Int"},
		{"value": previous, "label": _("Lost in the Previous Period"), "datatype": "Int"},
		{
			"value": change if change is not None else "-",
			"label": _("Change %"),
			"datatype": "Percent" if change is not None else "Data",
			"indicator": "Red" if (change or 0) > 0 else "Green",
		},
	]
	summary += [
		{"value": row.count, "label": _("Lost to {0}").format(row.competitor), "datatype": "Int"}
		for row in competitors
	]
	return summary
