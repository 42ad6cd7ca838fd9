"""The rows a user may read, exactly as `frappe.get_list` decides them, for aggregates written in SQL.

The condition comes from Frappe's own `DatabaseQuery`, as ERPNext's General Ledger takes it: role
permissions, "If Owner", User Permissions (strict or not, `applicable_for`), every installed app's
`permission_query_conditions`, Permission Query server scripts and documents shared with the user. A copy
of those rules would miss the ones added after it was written.
"""

from pypika.terms import Criterion

from frappe.model.db_query import DatabaseQuery


class SqlCondition(Criterion):
	"""A condition Frappe wrote as SQL, usable in a frappe.qb query on the unaliased table."""

	def __init__(self, sql: str):
		super().__init__()
		self.sql = sql

	def get_sql(self, **kwargs) -> str:
		return f"({self.sql})"


def readable_condition(doctype: str, user: str | None = None) -> SqlCondition | None:
	"""The condition on `tab<doctype>` for the rows `user` may read; None when they may read every row.
	Raises PermissionError where `frappe.get_list(doctype)` would."""
	query = DatabaseQuery(doctype, user=user)
	query.reference_doctype = doctype
	query.check_read_permission(doctype)  # what get_list checks before anything else
	match = query.build_match_conditions(as_condition=True)
	# A user who reads only what was shared with them gets that condition in `conditions`, not in `match`.
	parts = [part for part in (*query.conditions, match) if part]
	if not parts:
		return None
	# frappe.qb sends its queries with parameters, so a literal % must be doubled (as reportview does).
	return SqlCondition(" and ".join(f"({part})" for part in parts).replace("%", "%%"))


def readable_opportunities(user: str | None = None) -> SqlCondition | None:
	return readable_condition("Opportunity", user)
