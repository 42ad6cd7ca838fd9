"""The opportunities behind a digest, section by section (rules.SECTIONS): each section is one query that
reads only its own rows through an index (follow-ups by date, the Stalled flag), so its cost follows
what is due, not the size of the Opportunity table."""

from datetime import datetime, time, timedelta

import frappe
from frappe import _
from frappe.utils import add_to_date, cint, getdate, now_datetime

from opportunity_pipeline.permissions import readable_opportunities
from opportunity_pipeline.pipeline_health.rules import DUE_TODAY, NO_NEXT_STEP, OVERDUE, STALLED
from opportunity_pipeline.statuses import OPEN_STATUSES
from opportunity_pipeline.validation import company_for_user, existing


def section_conditions(now: datetime) -> dict:
	"""section -> condition on Opportunity (beside being open): rules.follow_up_section, with
	rules.counts_against_owner for a missing next step, and a Stalled flag kept by stalled.refresh_stalled."""
	opportunity = frappe.qb.DocType("Opportunity")
	start = datetime.combine(getdate(now), time.min)
	grace = cint(frappe.db.get_single_value("Selling Settings", "no_next_step_after_days"))
	return {
		DUE_TODAY: (opportunity.contact_date >= start)
		& (opportunity.contact_date < start + timedelta(days=1)),
		OVERDUE: opportunity.contact_date < start,
		STALLED: opportunity.is_stalled == 1,
		NO_NEXT_STEP: opportunity.contact_date.isnull()
		& (opportunity.creation < add_to_date(now, days=-grace)),
	}


def health_rows(section_condition, company=None, readable=None, user=None) -> list:
	"""(name, opportunity_owner, contact_by) of the open opportunities in a section (its condition from
	section_conditions)."""
	opportunity = frappe.qb.DocType("Opportunity")
	condition = opportunity.status.isin(OPEN_STATUSES) & section_condition
	if company:
		condition &= opportunity.company == company
	if user:
		condition &= (opportunity.opportunity_owner == user) | (opportunity.contact_by == user)
	if readable is not None:
		condition &= readable
	return (
		frappe.qb.from_(opportunity)
		.select(opportunity.name, opportunity.opportunity_owner, opportunity.contact_by)
		.where(condition)
		.orderby(opportunity.name)
		.run()
	)


@frappe.whitelist()
def pipeline_health(company, user=None) -> dict:
	"""The names of the open opportunities of `company` the caller may read, per section of the digest:
	{"due_today", "overdue", "stalled", "no_next_step"}; `user` narrows to those that user owns or
	follows up (Next Contact By)."""
	company_for_user(company)
	if user:
		existing("User", user, _("User"))
	readable = readable_opportunities()
	return {
		section: [row[0] for row in health_rows(condition, company, readable, user)]
		for section, condition in section_conditions(now_datetime()).items()
	}
