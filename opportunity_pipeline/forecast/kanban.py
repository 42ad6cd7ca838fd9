"""The Kanban Board of opportunities by sales stage, kept in step with the Sales Stage list.

Frappe's board dialog only offers Select fields, but a board on a Link field works: a card sits in the
column named like its value, and dragging it sets that value (validated as a link)."""

import frappe

from opportunity_pipeline.forecast.stages import ordered_stages
from opportunity_pipeline.statuses import OPEN_STATUSES

BOARD = "Opportunities by Sales Stage"
CARD_FIELDS = ["opportunity_amount", "probability", "expected_closing"]


def ensure_sales_stage_board():
	"""Install and migrate: the board exists, with one column per stage in the stages' order, even before
	there is any stage (the app installed before the setup wizard creates them: add_stage_column then
	adds each). Saved only when that changes it."""
	new = not frappe.db.exists("Kanban Board", BOARD)
	if not new:
		board = frappe.get_doc("Kanban Board", BOARD)
	else:
		board = frappe.get_doc(
			{
				"doctype": "Kanban Board",
				"kanban_board_name": BOARD,
				"reference_doctype": "Opportunity",
				"field_name": "sales_stage",
				"fields": frappe.as_json(CARD_FIELDS),
				"filters": frappe.as_json([["Opportunity", "status", "in", list(OPEN_STATUSES)]]),
				"show_labels": 1,
			}
		)
	stages = ordered_stages()
	before = [column.column_name for column in board.columns]
	for stage in set(stages) - set(before):
		board.append("columns", {"column_name": stage, "status": "Active", "order": "[]"})
	_sort_columns(board, stages)
	if new or [column.column_name for column in board.columns] != before:
		board.save(ignore_permissions=True)  # install/migrate or a new stage, not a user's edit


def delete_sales_stage_board():
	"""Uninstall: the board groups by a stage order the app defines."""
	frappe.delete_doc_if_exists("Kanban Board", BOARD)


def add_stage_column(doc, method=None):
	"""Sales Stage after_insert."""
	if frappe.db.exists("Kanban Board", BOARD):
		ensure_sales_stage_board()


def rename_stage_column(doc, method, old, new, merge=False):
	"""Sales Stage after_rename: Frappe renames the opportunities' links, the board's column follows."""
	if not frappe.db.exists("Kanban Board", BOARD):
		return
	board = frappe.get_doc("Kanban Board", BOARD)
	for column in list(board.columns):
		if column.column_name == old:
			if merge:
				board.remove(column)
			else:
				column.column_name = new
	board.save(ignore_permissions=True)  # follows a rename the user was allowed to make


def remove_stage_column(doc, method=None):
	"""Sales Stage on_trash (Frappe refuses it while opportunities link to the stage)."""
	if not frappe.db.exists("Kanban Board", BOARD):
		return
	board = frappe.get_doc("Kanban Board", BOARD)
	for column in [column for column in board.columns if column.column_name == doc.name]:
		board.remove(column)
	board.save(ignore_permissions=True)  # follows a deletion the user was allowed to make


def _sort_columns(board, stages):
	order = {stage: index for index, stage in enumerate(stages)}
	board.columns.sort(key=lambda column: order.get(column.column_name, len(order)))
	for index, column in enumerate(board.columns, start=1):
		column.idx = index
