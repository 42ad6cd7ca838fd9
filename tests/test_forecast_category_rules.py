"""Forecast categories (forecast_category/rules.py): a stage's category unless the owner chose one, the
app's own for a finished document, and what a client may send."""

import pytest

from opportunity_pipeline.forecast_category.rules import (
	BEST_CASE,
	CLOSED,
	COMMIT,
	OMITTED,
	PIPELINE,
	category_after_save,
	stage_category,
	typed_category_problem,
)

OPEN_SAVE = {
	"is_open": True,
	"is_won": False,
	"is_new": False,
	"inputs_changed": False,
	"old": PIPELINE,
	"new": PIPELINE,
	"set_by_hand": False,
	"automatic": PIPELINE,
}


def after(**changes):
	return category_after_save(**{**OPEN_SAVE, **changes})


def test_a_new_document_takes_its_stages_category_unless_one_is_chosen():
	assert after(is_new=True, old=None, new=None, automatic=BEST_CASE) == (BEST_CASE, False)
	assert after(is_new=True, old=None, new=COMMIT, automatic=BEST_CASE) == (COMMIT, True)
	assert after(is_new=True, old=None, new=BEST_CASE, automatic=BEST_CASE) == (BEST_CASE, False)


def test_a_new_stage_moves_the_category_unless_the_owner_chose_one():
	assert after(inputs_changed=True, automatic=COMMIT) == (COMMIT, False)
	chosen = {"old": BEST_CASE, "new": BEST_CASE, "set_by_hand": True}
	assert after(inputs_changed=True, automatic=COMMIT, **chosen) == (BEST_CASE, True)


def test_choosing_the_stages_own_category_or_clearing_it_gives_it_back_to_the_stage():
	assert after(old=COMMIT, new=PIPELINE, set_by_hand=True) == (PIPELINE, False)
	assert after(old=COMMIT, new=None, set_by_hand=True, automatic=BEST_CASE) == (BEST_CASE, False)


@pytest.mark.parametrize(("is_won", "category"), [(True, CLOSED), (False, OMITTED)])
def test_a_finished_document_is_closed_when_won_else_omitted(is_won, category):
	assert after(is_open=False, is_won=is_won, old=COMMIT, new=COMMIT, set_by_hand=True) == (category, False)


def test_a_reopened_document_goes_back_to_its_stage_or_what_is_chosen_then():
	assert after(old=CLOSED, new=CLOSED, automatic=BEST_CASE) == (BEST_CASE, False)
	assert after(old=OMITTED, new=COMMIT, automatic=BEST_CASE) == (COMMIT, True)


def test_a_stage_without_a_category_counts_as_pipeline():
	assert [stage_category(value) for value in (None, "", "Nonsense", COMMIT)] == [
		PIPELINE,
		PIPELINE,
		PIPELINE,
		COMMIT,
	]


def test_only_the_open_categories_may_be_sent_on_an_open_document():
	assert not typed_category_problem(is_open=True, old=PIPELINE, new=COMMIT)
	assert typed_category_problem(is_open=True, old=PIPELINE, new=CLOSED)
	assert typed_category_problem(is_open=True, old=PIPELINE, new="Upside")
	# The stored value sent back unchanged (a form saved as it was loaded) is no choice.
	assert not typed_category_problem(is_open=True, old=CLOSED, new=CLOSED)
	assert not typed_category_problem(is_open=False, old=CLOSED, new=OMITTED)
	assert not typed_category_problem(is_open=True, old=PIPELINE, new=None)
