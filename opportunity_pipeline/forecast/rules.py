"""The forecast's rules: each sales stage's default probability, when it applies to an opportunity, and
where an opportunity's expected closing puts it in the report."""

from enum import IntEnum

# ERPNext's default stages (its setup wizard creates them, in this order), with the chance of winning a
# deal that has reached them: the usual ladder of CRM tools, which a Sales Manager adjusts per stage.
DEFAULT_STAGES = (
	("Prospecting", 10),
	("Qualification", 20),
	("Needs Analysis", 30),
	("Value Proposition", 40),
	("Identifying Decision Makers", 50),
	("Perception Analysis", 60),
	("Proposal/Price Quote", 75),
	("Negotiation/Review", 90),
)


def stage_defaults(stage_name: str, translate=lambda text: text) -> tuple[int, int] | None:
	"""(probability, order) for one of ERPNext's default stages, under its English or translated name
	(the setup wizard names them in the site's language)."""
	for order, (name, probability) in enumerate(DEFAULT_STAGES, start=1):
		if stage_name in (name, translate(name)):
			return probability, order
	return None


def probability_after_save(
	*,
	is_new: bool,
	inputs_changed: bool,
	old_probability: float | None,
	new_probability: float | None,
	set_by_hand: bool,
	automatic_probability: float | None,
) -> tuple[float | None, bool]:
	"""The probability an opportunity keeps, and whether it now counts as set by hand.

	The automatic probability is the stage's, or the learned chance (win_probability). A probability typed
	by the user (or sent by a script) wins and is remembered as set by hand, unless it equals the
	automatic one. Otherwise the automatic probability applies: to a new opportunity, when what it
	depends on changes (the stage, or a field the learned chance reads), or when the probability is
	cleared."""
	if automatic_probability is None:
		changed = is_new or new_probability != old_probability
		return new_probability, set_by_hand or (changed and new_probability is not None)
	return automatic_unless_typed(
		is_new=is_new,
		inputs_changed=inputs_changed,
		old=old_probability,
		new=new_probability,
		set_by_hand=set_by_hand,
		automatic=automatic_probability,
	)


def automatic_unless_typed(*, is_new, inputs_changed, old, new, set_by_hand, automatic) -> tuple:
	"""A value the app fills from what it depends on unless one was typed (the probability, the forecast
	category), and whether it now counts as typed: a value typed (or sent by a script) wins unless it
	equals the automatic one; the automatic one applies to a new document, when what it depends on
	changes and nothing was typed, and when the value is cleared."""
	if new is None:
		return automatic, False
	if is_new or new != old:
		return new, new != automatic
	if inputs_changed and not set_by_hand:
		return automatic, False
	return new, set_by_hand


class Bucket(IntEnum):
	"""Where an open opportunity sits in the forecast: in a period of the range, overdue, undated, or
	stalled (when the report shows stalled ones apart)."""

	IN_RANGE = 0
	OVERDUE = 1
	UNDATED = 2
	STALLED = 3
