"""Losses counted and valued by reason or reason category, per period, against the previous period.

Whole months come from the losses summary (lost/summary.py) for a user who may read every opportunity;
the days at the range's edges, and everything for a user whose reading is restricted, come from the
opportunities themselves (lost/queries.py), under Frappe's own permission condition. Frappe CRM's deals
(Document Type: CRM Deal) are read from the deals themselves (lost/deal_losses.py).
"""

from collections import defaultdict
from datetime import timedelta

from pypika.enums import DatePart

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.query_builder.functions import Extract
from frappe.utils import get_datetime

from opportunity_pipeline.document_types import base_currency, chosen
from opportunity_pipeline.lost import summary
from opportunity_pipeline.lost.deal_losses import DealLosses
from opportunity_pipeline.lost.queries import losses, opportunity_field
from opportunity_pipeline.lost.rules import FILTER_FIELDS
from opportunity_pipeline.permissions import readable_opportunities
from opportunity_pipeline.pipeline_document import OPPORTUNITY
from opportunity_pipeline.reporting.periods import (
	PERIODICITIES,
	change_percent,
	next_month,
	period_key,
	period_label,
	periods_between,
	previous_range,
	whole_months,
)
from opportunity_pipeline.reporting.query import choose, narrowed, require_company_and_range
from opportunity_pipeline.validation import text_value

CHART_GROUPS = 8
# A stale month is read in detail, at most this many in one request (more: the request is refused).
STALE_MONTHS_READ = 12
TOP_COMPETITORS = 5


def execute(filters=None, use_summary: bool = True):
	"""`use_summary=False` reads every loss from the opportunities (the equality test compares both)."""
	filters = _checked(frappe._dict(filters or {}))
	document = chosen(filters.get("document_type"))
	periods = periods_between(filters.from_date, filters.to_date, filters.periodicity)
	if document.doctype == OPPORTUNITY.doctype:
		plan = _Plan(filters, readable_opportunities(), use_summary)
	else:
		plan = DealLosses(filters, document)

	counted = plan.losses(filters.group_by)
	current = [row for row in counted if row.current]
	previous = [row for row in counted if not row.current]

	rows = _rows(current, previous, periods, filters.periodicity)
	return (
		_columns(periods, filters, base_currency(document, filters.company)),
		rows,
		None,
		_chart(rows, periods, filters.periodicity),
		_summary(plan, rows),
	)


def _checked(filters):
	require_company_and_range(
		filters, filters.get("from_date"), filters.get("to_date"), "Lost Opportunity Analysis"
	)
	choose(filters, "periodicity", PERIODICITIES, _("Periodicity"))
	choose(filters, "group_by", ("Reason", "Category"), _("Group By"))
	for field in FILTER_FIELDS:  # checked here: the summary's months compare them without the detail's checks
		if filters.get(field):
			text_value(filters[field], _(frappe.unscrub(field)))
	return filters


class _Plan:
	"""Where each day of the range and of the previous period is read from: the summary for whole
	months (when the user may read every opportunity), the opportunities for the rest."""

	def __init__(self, filters, readable, use_summary: bool):
		self.filters, self.readable = filters, readable
		start = previous_range(filters.from_date, filters.to_date)[0]
		ranges = [(start, filters.from_date - timedelta(days=1)), (filters.from_date, filters.to_date)]
		self.months, self.pieces = [], []
		for first, last in ranges:
			if use_summary and readable is None:
				months, pieces = whole_months(first, last)
				self.months += months
				self.pieces += pieces
			else:
				self.pieces.append((first, last))
		answered = summary.fresh_months(filters.company, self.months)
		stale = [month for month in self.months if month not in answered]
		if (
			len(stale) > STALE_MONTHS_READ
			and len(waiting := summary.months_to_refresh(filters.company, stale)) > STALE_MONTHS_READ
		):
			# After a reason moved to another category every month is stale until the background job
			# has recomputed them: reading them all in detail would hold the request for seconds.
			frappe.throw(
				_(
					"The losses summary is being brought up to date ({0} months to go): try again in a minute, or choose a shorter range."
				).format(len(waiting)),
				title=_("Losses summary being updated"),
			)
		for month in stale:  # a month the summary cannot answer now is read in detail
			self.pieces.append((month, next_month(month) - timedelta(days=1)))
		self.months = answered

	def losses(self, dimension: str, current_only: bool = False) -> list:
		"""count and amount per group, whether in the range (current), year and month."""
		months = [month for month in self.months if not current_only or month >= self.filters.from_date]
		pieces = [piece for piece in self.pieces if not current_only or piece[0] >= self.filters.from_date]
		rows = summary.summed(self.filters.company, dimension, months, self.filters, self.filters.from_date)
		if pieces:
			rows += self._detail(dimension, pieces).run(as_dict=True)
		return rows

	def _detail(self, dimension: str, pieces):
		opportunity = frappe.qb.DocType("Opportunity")
		lost_on = opportunity.lost_date
		in_pieces = None
		for first, last in pieces:
			piece = lost_on[get_datetime(first) : get_datetime(f"{last} 23:59:59.999999")]
			in_pieces = piece if in_pieces is None else in_pieces | piece
		condition = (opportunity.status == "Lost") & (opportunity.company == self.filters.company) & in_pieces
		on_opportunity = frappe._dict(
			{opportunity_field(field): self.filters.get(field) for field in FILTER_FIELDS}
		)
		condition = narrowed(condition, on_opportunity, list(on_opportunity), self.readable)
		current = Case().when(lost_on >= get_datetime(self.filters.from_date), 1).else_(0)
		return losses(
			condition,
			dimension,
			{
				"current": current,
				"year": Extract(DatePart.year, lost_on),
				"month": Extract(DatePart.month, lost_on),
			},
		)


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


def _columns(periods, filters, currency) -> list[dict]:
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


def _summary(plan: _Plan, rows) -> list[dict]:
	"""The totals, the change against the previous period, and the competitors lost to most often."""
	counts = defaultdict(int)
	for row in plan.losses("Opportunity"):
		counts[int(row.current)] += int(row["count"])
	lost_to = defaultdict(int)
	for row in plan.losses("Competitor", current_only=True):
		lost_to[row.grp] += int(row["count"])
	competitors = sorted(lost_to.items(), key=lambda item: (-item[1], item[0]))[:TOP_COMPETITORS]

	total, previous = counts[1], counts[0]
	change = change_percent(total, previous)
	summary_cards = [
		{"value": total, "label": _("Opportunities Lost"), "datatype": "Int"},
		{"value": previous, "label": _("Lost in the Previous Period"), "datatype": "Int"},
		{
			"value": change if change is not None else "-",
			"label": _("Change %"),
			"datatype": "Percent" if change is not None else "Data",
			"indicator": "Red" if (change or 0) > 0 else "Green",
		},
	]
	summary_cards += [
		{"value": count, "label": _("Lost to {0}").format(competitor), "datatype": "Int"}
		for competitor, count in competitors
	]
	return summary_cards
