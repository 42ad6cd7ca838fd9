"""The losses of Frappe CRM's deals for the Lost Opportunity Analysis, read from the deals themselves (the
losses summary holds opportunities only).

A deal is lost while its status is of a Lost type. It was lost when the row of its status change log for
that status began, the row still open (on the site's clock: Frappe CRM dates the log by the server's;
Frappe CRM writes a row on every status change, and so does the auto-close), or at its last change where
the log has none. It has the one lost reason Frappe CRM asks for, and no competitors;
a CRM Lost Reason has no category.
"""

from pypika.enums import DatePart

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.query_builder.functions import Coalesce, Count, Extract, Sum
from frappe.utils import add_days, get_datetime

from opportunity_pipeline.document_types import statuses_in
from opportunity_pipeline.lost.rules import FILTER_FIELDS
from opportunity_pipeline.permissions import readable_condition
from opportunity_pipeline.reporting.periods import previous_range
from opportunity_pipeline.reporting.query import amount_in_company_currency, narrowed
from opportunity_pipeline.win_probability.learn import closed_between


class DealLosses:
	"""What the report's plan answers (`losses`), for deals."""

	def __init__(self, filters, document):
		self.filters, self.document = filters, document
		label = _(document.doctype)
		if filters.group_by == "Category":
			frappe.throw(_("{0} cannot be grouped by {1}.").format(label, _("Category")))
		self.fields = {"territory": document.territory.fieldname, "source": document.source.fieldname}
		if owner := document.groups.get("Opportunity Owner"):
			self.fields["opportunity_owner"] = owner
		for fieldname in FILTER_FIELDS:
			if filters.get(fieldname) and fieldname not in self.fields:
				frappe.throw(_("{0} has no {1} to filter by.").format(label, _(frappe.unscrub(fieldname))))
		self.readable = readable_condition(document.doctype)
		self.lost = statuses_in(document, document.status_groups.lost)
		self.counted = {}

	def losses(self, dimension: str, current_only: bool = False) -> list:
		"""count and amount per group, whether in the range (current), year and month. A deal has one lost
		reason, so its losses by reason count each deal once: the report's totals (dimension Opportunity)
		add up those rows rather than reading the losses again."""
		if dimension == "Competitor" or not self.lost:
			return []
		by_reason = dimension in ("Reason", "Opportunity")
		key = ("Reason" if by_reason else dimension, current_only)
		if key not in self.counted:
			self.counted[key] = self._losses(*key)
		return self.counted[key]

	def _losses(self, dimension: str, current_only: bool) -> list:
		"""count and amount per group, whether in the range (current), year and month: one grouped query
		per way a loss is dated (learn.closed_between: the open stays in a lost status that began in the
		range, through the status log's index, and apart the lost deals whose log has none, by their last
		change), whose rows the report adds up. Grouping every lost deal's log to date each loss took 7.9 s
		on 100,000 lost deals among 1,000,000."""
		document, filters = self.document, self.filters
		deal = frappe.qb.DocType(document.doctype)
		start = filters.from_date if current_only else previous_range(filters.from_date, filters.to_date)[0]
		end = add_days(filters.to_date, 1)
		condition = narrowed(
			deal[document.status_field].isin(self.lost),
			filters,
			list(self.fields),
			self.readable,
			deal,
			self.fields,
		)
		group = Coalesce(deal.lost_reason, "") if dimension == "Reason" else Coalesce(None, "")
		amount = Sum(amount_in_company_currency(deal, document))
		rows = []
		for query, lost_on in closed_between(
			deal, document, self.lost, get_datetime(start), get_datetime(end)
		):
			current = Case().when(lost_on >= get_datetime(filters.from_date), 1).else_(0)
			year, month = Extract(DatePart.year, lost_on), Extract(DatePart.month, lost_on)
			rows += (
				query.select(
					group.as_("grp"),
					current.as_("current"),
					year.as_("year"),
					month.as_("month"),
					Count(deal.name).as_("count"),
					amount.as_("amount"),
				)
				.where(condition)
				.groupby(group, current, year, month)
				.run(as_dict=True)
			)
		return rows
