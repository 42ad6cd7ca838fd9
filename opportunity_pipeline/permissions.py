"""The rows a user may read, exactly as `frappe.get_list` decides them, for aggregates written in SQL.

The condition comes from Frappe's own `DatabaseQuery`, as ERPNext's General Ledger takes it: role
permissions, "If Owner", User Permissions (strict or not, `applicable_for`), every installed app's
`permission_query_conditions`, Permission Query server scripts and documents shared with the user. A copy
of those rules would miss the ones added after it was written.
"""

import re
from contextlib import contextmanager

from pypika.terms import Criterion

import frappe
from frappe.model.db_query import DatabaseQuery
from frappe.utils.caching import request_cache

from opportunity_pipeline.sql import (
	Digest,
	IndexedTable,
	can_keep_temporary_tables,
	estimated_rows,
	temporary_table,
)

# A narrow index of each opportunity's name with what the commonest row restrictions read (company and
# territory by User Permission, owner by If Owner); install.INDEXES builds it.
PERMISSION_INDEX = "permission_index"
PERMISSION_COLUMNS = ["name", "company", "territory", "owner"]


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


def reads_deleted_history(readable, user: str | None = None) -> bool:
	"""A deleted opportunity's history is read as Frappe lets its Deleted Document and Versions be read:
	by a user who may read every Deleted Document (System Manager, by default), and then only when
	nothing restricts them on Opportunity either (`readable` is None). For everyone else a deleted
	opportunity is gone from every date, as it is gone from their list."""
	return readable is None and _reads_every_deleted_document(user or frappe.session.user)


def _reads_every_deleted_document(user: str) -> bool:
	return reads_every_row("Deleted Document", user)


def may_list(doctype: str, user: str | None = None) -> bool:
	"""Whether frappe.get_list(doctype) answers the user rather than refusing them: the question it asks
	(frappe.has_permission on the DocType), without the "no permission" message a refusal adds to the
	response, which readable_condition would leave for a caller that only wants to skip the DocType."""
	ptype = "select" if frappe.only_has_select_perm(doctype, user=user) else "read"
	return frappe.has_permission(doctype, ptype, user=user)


def reads_every_row(doctype: str, user: str | None = None) -> bool:
	"""Nothing restricts the user on the DocType: their list holds every row."""
	return may_list(doctype, user) and readable_condition(doctype, user) is None


# Room for the digests of readable_once, in memory: about 40 bytes an opportunity. A site with more
# opportunities than it holds reads the set once per query instead.
READABLE_SET_MB = 256
READABLE_SET_BYTES_EACH = 40


class ReadableSet(SqlCondition):
	"""readable_opportunities' condition, with the digests of the names it lets through already read into
	a temporary table (readable_once), which join_readable joins instead of reading them again."""

	def __init__(self, condition: SqlCondition, table):
		super().__init__(condition.sql)
		self.table = table


@contextmanager
def readable_once(readable, doctype: str = "Opportunity"):
	"""`readable` (readable_opportunities) for a block that sends several history queries: the names it
	lets through are read once, into a temporary table of their digests, which every join_readable of
	the block joins. Pipeline Movement and Follow-up Discipline send two or three; each read the set
	anew, about 0.35 s for a tenth of 1,000,000 opportunities. Where no temporary table can be made
	(sql.can_keep_temporary_tables), or the site has more opportunities than READABLE_SET_MB holds, each
	query reads the set itself, as without the block."""
	if readable is None or not can_keep_temporary_tables() or not _readable_set_fits(doctype):
		yield readable
		return
	columns = "digest binary(16) not null, primary key using hash (digest)"
	with temporary_table(_readable_digests(readable, doctype), columns, READABLE_SET_MB) as table:
		yield ReadableSet(readable, table)


def _readable_set_fits(doctype: str = "Opportunity") -> bool:
	"""Whether every document of the type would fit READABLE_SET_MB (asked only for a restricted user)."""
	return estimated_rows(doctype) * READABLE_SET_BYTES_EACH < READABLE_SET_MB << 20


def join_readable(query, state, readable, doctype: str = "Opportunity"):
	"""`query` on the pipeline history `state` narrowed to the rows the user may read: those of the
	opportunities `readable` (readable_opportunities) lets through, and of the deleted ones only for a
	user who reads_deleted_history. Every history report and the as-of pipeline go through here, as a
	row whose opportunity was deleted keeps its name, which a later opportunity may take (the series
	hands the number back, or a rename to the free name), and the join alone would read it as that one's.
	`doctype`: the document type whose rows `query` reads; the query narrows to them itself (a company's
	rows are opportunities', the deals' have NO_COMPANY), as a deal and an opportunity may share a name.

	The readable opportunities are read once per query (or once per block, readable_once), into an
	in-memory set of their names' MD5 digests (sql.Digest), which each history row is matched against:
	looking each row's opportunity up instead took 6 to 23 s for a territory-restricted user on 1,000,000
	opportunities, cold. 16 bytes a name keep a tenth of them in 2 MB rather than spilled to disk; two
	names with one digest would take a second preimage of MD5, which no one can compute."""
	if not reads_deleted_history(readable):
		query = query.where(state.deleted == 0)
	if readable is None:
		return query
	if isinstance(readable, ReadableSet):
		names = readable.table
	else:
		names = _readable_digests(readable, doctype).as_("readable_opportunity")
	return query.join(names).on(names.digest == Digest(state.opportunity))


def _readable_digests(readable, doctype: str = "Opportunity"):
	"""The digests of the names of `doctype` that `readable` lets through. When the condition reads only
	the columns of PERMISSION_INDEX (on Opportunity), they are read from that index instead of the table's
	rows. DISTINCT keeps MariaDB from merging the set into a query that joins it, which would look each row
	up again."""
	opportunity = frappe.qb.DocType(doctype)
	read = set(re.findall(r"`tabOpportunity`\.`(\w+)`", readable.sql))
	if doctype == "Opportunity" and read <= set(PERMISSION_COLUMNS) and _has_permission_index():
		opportunity = IndexedTable("tabOpportunity", PERMISSION_INDEX)
	return (
		frappe.qb.from_(opportunity).select(Digest(opportunity.name).as_("digest")).distinct().where(readable)
	)


@request_cache
def _has_permission_index() -> bool:
	"""Once per request: Forecast Accuracy joins a dozen as-of queries."""
	return frappe.db.has_index("tabOpportunity", PERMISSION_INDEX)
