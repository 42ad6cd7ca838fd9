"""When learning runs: every night (daily_long), on "Learn Now" in Selling Settings, and after a change of
the Win Probability settings."""

import frappe
from frappe import _

from opportunity_pipeline import document_types
from opportunity_pipeline.validation import existing
from opportunity_pipeline.win_probability.apply import apply_company, apply_stage_probabilities
from opportunity_pipeline.win_probability.learn import learn_company
from opportunity_pipeline.win_probability.settings import LEARNED, changed, win_probability_settings

JOB_ID = "opportunity_pipeline:learn_win_probability"


def learn_all(company: str | None = None, publish_progress: bool = False):
	"""Learn each company's factors (or one company's), then Frappe CRM's deals' where it is installed,
	and apply them when the method is Learned. Under Sales Stage it still learns, so the calibration report
	can compare before a manager switches. One company at a time, committed, so a long run never holds
	the others' rows."""
	settings = win_probability_settings()
	companies = [company] if company else frappe.get_all("Company", pluck="name", order_by="name")
	documents = document_types.available()
	scopes = [(document, name) for document in documents if document.company_field for name in companies]
	if not company:
		scopes += [(document, None) for document in documents if not document.company_field]
	for number, (document, name) in enumerate(scopes, start=1):
		learn_company(name, settings, document)
		if settings.learned:
			apply_company(name, settings, document)
		frappe.db.commit()
		if publish_progress:
			frappe.publish_progress(
				number * 100 / len(scopes),
				title=_("Learning win probabilities"),
				description=_("{0} of {1}").format(number, len(scopes)),
			)


@frappe.whitelist(methods=["POST"])
def learn_win_probability(company: str | None = None) -> dict:
	"""Learn now, in the background with a progress bar: System Manager only."""
	if "System Manager" not in frappe.get_roles():
		frappe.throw(_("Only a System Manager may start learning win probabilities."), frappe.PermissionError)
	if company not in (None, ""):
		existing("Company", company, _("Company"))
	job = frappe.enqueue(
		learn_all,
		queue="long",
		company=company or None,
		publish_progress=True,
		job_id=JOB_ID,
		deduplicate=True,
		now=frappe.flags.in_test,
	)
	return {"queued": bool(job)}


def settings_changed(settings, method=None):
	"""Selling Settings on_update: a change of the section is learned and applied at once, in the
	background; going back to Sales Stage gives open opportunities their stage's probability again."""
	if not changed(settings):
		return
	if settings.get("win_probability_method") == LEARNED:
		frappe.enqueue(learn_all, queue="long", job_id=JOB_ID, deduplicate=True, enqueue_after_commit=True)
	elif settings.has_value_changed("win_probability_method"):
		for document in document_types.available():
			apply_stage_probabilities(document)
