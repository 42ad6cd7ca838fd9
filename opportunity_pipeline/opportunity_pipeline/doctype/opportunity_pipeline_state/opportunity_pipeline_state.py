"""One opportunity's tracked values over [valid_from, valid_to). Rows are written by pipeline_history only."""

from frappe.model.document import Document

from opportunity_pipeline.sql import ensure_index


class OpportunityPipelineState(Document):
	pass


# An opportunity's rows in order: what a save, a deletion and the form read. Narrow, as every save writes it.
BY_OPPORTUNITY = ("state_by_opportunity", ["opportunity", "valid_to", "valid_from"])
# A company's rows by lifetime class and start, covering what the as-of pipeline, Pipeline Movement and
# Forecast Accuracy read: an as-of query reads no table row.
AS_OF = (
	"state_as_of",
	[
		"company",
		"span_class",
		"status",
		"valid_from",
		"valid_to",
		"amount",
		"probability",
		"expected_closing",
		"sales_stage",
		"opportunity_owner",
		"opportunity",
		"deleted",
	],
)
# A company's rows by start, covering the stays Stage Velocity counts, by owner too, and what a restricted
# user's join reads (`deleted`, `opportunity`: permissions.join_readable). A key holds at most 3072 bytes
# on MariaDB, which is why the status is kept short (40 characters) and the territory left out: by
# territory, Stage Velocity reads the rows.
BY_START = (
	"state_by_start",
	[
		"company",
		"valid_from",
		"left_stage",
		"stage_days",
		"status",
		"sales_stage",
		"deleted",
		"opportunity_owner",
		"opportunity",
	],
)
# A company's rows by Next Contact Date, covering the follow-ups Follow-up Discipline counts: those done
# (ends_follow_up, done at valid_to) and those still waiting (the current row).
BY_CONTACT_DATE = (
	"state_by_contact_date",
	[
		"company",
		"contact_date",
		"deleted",
		"ends_follow_up",
		"valid_to",
		"contact_since",
		"status",
		"opportunity_owner",
		"contact_by",
		"opportunity",
	],
)
# The same rows as AS_OF, covering who follows each open opportunity up and when: Follow-up Discipline's
# open opportunities at a period's end and their next steps (AS_OF has no room left for them).
AS_OF_FOLLOW_UP = (
	"state_as_of_follow_up",
	[
		"company",
		"span_class",
		"status",
		"valid_from",
		"valid_to",
		"contact_date",
		"opportunity_owner",
		"contact_by",
		"deleted",
		"opportunity",
	],
)
# A company's rows by expected closing, covering Forecast Accuracy's as-of queries: each month's reads only
# the rows expected to close in it, not the whole pipeline at its moment.
BY_EXPECTED_CLOSING = (
	"state_by_expected_closing",
	[
		"company",
		"expected_closing",
		"span_class",
		"status",
		"valid_from",
		"valid_to",
		"amount",
		"probability",
		"opportunity_owner",
		"deleted",
		"opportunity",
	],
)
# The open opportunities in a stage since before a moment: the daily Stalled refresh.
STALLING = ("state_stalling", ["valid_to", "sales_stage", "status", "stage_since", "deleted", "opportunity"])
INDEXES = (BY_OPPORTUNITY, AS_OF, AS_OF_FOLLOW_UP, BY_START, BY_CONTACT_DATE, BY_EXPECTED_CLOSING, STALLING)


def on_doctype_update():
	"""The indexes the history is read through, each built again where an earlier version's columns
	differ. Also run by every migrate (install.after_migrate): Frappe calls it only when the DocType
	changes."""
	for name, columns in INDEXES:
		ensure_index("Opportunity Pipeline State", name, columns)
