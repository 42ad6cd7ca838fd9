import frappe
from frappe.utils import add_days, add_months, get_first_day, getdate, today

from opportunity_pipeline.reporting.query import LONGEST_RANGE_MONTHS
from opportunity_pipeline.tests import IntegrationTestCase


def execute(report: str, **filters):
	module = frappe.scrub(report)
	run = frappe.get_attr(f"opportunity_pipeline.opportunity_pipeline.report.{module}.{module}.execute")
	return run(frappe._dict(company=frappe.defaults.get_global_default("company"), **filters))


class TestLongestRange(IntegrationTestCase):
	"""Each report answers its own default range and its longest one, from a day to the same day
	LONGEST_RANGE_MONTHS later, and refuses a day more with the limit in the message."""

	def test_the_default_range_is_answered(self):
		for report in LONGEST_RANGE_MONTHS:
			with self.subTest(report=report):
				execute(report)

	def test_the_longest_range_is_answered_and_a_day_more_refused(self):
		end = getdate(today())
		for report, months in LONGEST_RANGE_MONTHS.items():
			start = add_months(end, -months)
			if report == "Forecast Accuracy":  # whole months: the range is widened to them
				start = get_first_day(add_months(end, 1 - months))
			with self.subTest(report=report):
				execute(report, from_date=start, to_date=end)
				limit = "one month" if months == 1 else f"{months} months"
				with self.assertRaisesRegex(frappe.ValidationError, f"at most {limit} at a time"):
					execute(report, from_date=add_days(start, -1), to_date=end)
