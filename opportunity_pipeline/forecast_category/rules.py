"""Forecast categories (issue #30), as Salesforce and HubSpot name them: where an opportunity or a deal
stands in its owner's forecast. Each stage (a Sales Stage; on a deal its CRM Deal Status) has a category
its open documents take unless their owner typed another; a won one is Closed, a lost or closed one
Omitted. No Frappe import: tested in layer 1.
"""

from opportunity_pipeline.forecast.rules import automatic_unless_typed

PIPELINE, BEST_CASE, COMMIT = "Pipeline", "Best Case", "Commit"
CLOSED, OMITTED = "Closed", "Omitted"
# What a stage, or an owner, may put an open document in; the first is a stage's default.
OPEN_CATEGORIES = (PIPELINE, BEST_CASE, COMMIT)
# Every value the document's field holds, in forecast order: the app sets the last two.
CATEGORIES = (*OPEN_CATEGORIES, CLOSED, OMITTED)


def stage_category(category: str | None) -> str:
	"""A stage's category, Pipeline where it has none (a stage made before the field, or left blank)."""
	return category if category in OPEN_CATEGORIES else PIPELINE


def category_after_save(
	*,
	is_open: bool,
	is_won: bool,
	is_new: bool,
	inputs_changed: bool,
	old: str | None,
	new: str | None,
	set_by_hand: bool,
	automatic: str,
) -> tuple[str, bool]:
	"""The category a document keeps, and whether its owner chose it. A finished document's category is
	the app's: Closed when won, else Omitted. An open one follows its stage's (`automatic`) unless its
	owner chose another (typed, or sent by a script); the stage's applies again when the stage changes
	and nothing was chosen, when it is cleared, and to a document reopened. A value the app sets (Closed,
	Omitted) sent on an open document is refused before this (`typed_category_problem`), unless it is the
	stored value of a document being reopened, which then counts as nothing chosen."""
	if not is_open:
		return (CLOSED if is_won else OMITTED), False
	if old not in OPEN_CATEGORIES:
		return (new, new != automatic) if new in OPEN_CATEGORIES and new != old else (automatic, False)
	return automatic_unless_typed(
		is_new=is_new,
		inputs_changed=inputs_changed,
		old=old,
		new=new if new in OPEN_CATEGORIES else None,
		set_by_hand=set_by_hand,
		automatic=automatic,
	)


def typed_category_problem(*, is_open: bool, old: str | None, new: str | None) -> bool:
	"""Whether a category sent on a save is one its owner may not choose: Closed or Omitted put on an
	open document (the app sets them when it is won or lost), or a value that is no category."""
	if not new or new == old:
		return False
	return new not in OPEN_CATEGORIES if is_open else new not in CATEGORIES
