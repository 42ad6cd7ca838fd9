"""How losses are counted and filtered, as data."""

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

# ERPNext 16 moved the Opportunity's source and campaign to UTM analytics (patch migrate_to_utm_analytics):
# the app's "source" reads whichever field the site has.
RENAMED_IN_ERPNEXT_16 = {"source": "utm_source", "campaign": "utm_campaign"}


def field_on_this_version(fieldname: str, has_field) -> str:
	"""The Opportunity field that holds `fieldname`'s values on this site: itself, or its ERPNext 16 name."""
	if has_field(fieldname) or fieldname not in RENAMED_IN_ERPNEXT_16:
		return fieldname
	renamed = RENAMED_IN_ERPNEXT_16[fieldname]
	return renamed if has_field(renamed) else fieldname
