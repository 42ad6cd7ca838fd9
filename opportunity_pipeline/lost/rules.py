"""How losses are counted and filtered, as data."""

from opportunity_pipeline.pipeline_document import OPPORTUNITY

# How a loss is counted in each dimension: per opportunity, once per reason, once per reason category,
# once per competitor lost to.
DIMENSIONS = ("Opportunity", "Reason", "Category", "Competitor")

# The Lost Opportunity Analysis's filters that are plain equalities on Opportunity fields; the losses
# summary keeps a column of each.
FILTER_FIELDS = (
	"territory",
	"sales_stage",
	"opportunity_type",
	"source",
	"converted_by",
	"opportunity_owner",
)


def field_on_this_version(fieldname: str, has_field) -> str:
	"""The Opportunity field that holds `fieldname`'s values on this site: itself, or its ERPNext 16 name."""
	return OPPORTUNITY.field_on_this_version(fieldname, has_field)
