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
