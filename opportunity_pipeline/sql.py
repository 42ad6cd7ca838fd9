"""SQL terms frappe.qb lacks, written for both databases Frappe supports."""

import hashlib
from contextlib import contextmanager

from pypika import Table
from pypika.terms import Criterion, Field, Term, ValueWrapper
from pypika.utils import format_alias_sql

import frappe
from frappe.query_builder.terms import NamedParameterWrapper


def force_index(query, index: str):
	"""MariaDB's FORCE INDEX on the query's table, where its estimate of many OR-ed ranges (the as-of
	bounds per lifetime class) loses to a plain ref on the first column, which reads every row of it."""
	if frappe.db.db_type == "mariadb":
		return query.force_index(index)
	return query


class IndexedTable(Table):
	"""A table joined through one index (MariaDB's FORCE INDEX, which pypika writes for FROM only)."""

	def __init__(self, name: str, index: str):
		super().__init__(name)
		self.index = index

	def get_sql(self, **kwargs) -> str:
		sql = super().get_sql(**kwargs)
		if frappe.db.db_type == "mariadb":
			return f"{sql} FORCE INDEX (`{self.index}`)"
		return sql


class Qualified(Field):
	"""A column named with its table in an UPDATE's SET: pypika drops the table there, which MariaDB
	refuses as ambiguous once the UPDATE joins other tables with the same column."""

	def __init__(self, field):
		super().__init__(field.name, table=field.table)

	def get_sql(self, **kwargs) -> str:
		quote = "`" if frappe.db.db_type == "mariadb" else '"'
		return super().get_sql(**{**kwargs, "with_namespace": True, "quote_char": quote})


class Differs(Criterion):
	"""`left` and `right` differ, two empty values being equal (MariaDB's <=>, PostgreSQL's IS DISTINCT)."""

	def __init__(self, left: Term, right: Term):
		super().__init__()
		self.left, self.right = left, right

	def get_sql(self, **kwargs) -> str:
		left, right = self.left.get_sql(**kwargs), self.right.get_sql(**kwargs)
		if frappe.db.db_type == "mariadb":
			return f"not ({left} <=> {right})"
		return f"({left} is distinct from {right})"


class DaysBetween(Term):
	"""Whole calendar days from `start` to `end`."""

	def __init__(self, start: Term, end: Term):
		super().__init__()
		self.start, self.end = start, end

	def get_sql(self, **kwargs) -> str:
		start, end = self.start.get_sql(**kwargs), self.end.get_sql(**kwargs)
		if frappe.db.db_type == "mariadb":
			return f"datediff({end}, {start})"
		return f"(cast({end} as date) - cast({start} as date))"


class NextName(Term):
	"""The next name of an autoincrement DocType, from the sequence Frappe made for it: one per row, so
	a set-based INSERT ... SELECT can name what it writes."""

	def __init__(self, doctype: str):
		super().__init__()
		self.sequence = frappe.scrub(f"{doctype}_id_seq")

	def get_sql(self, **kwargs) -> str:
		if frappe.db.db_type == "mariadb":
			return f"nextval(`{self.sequence}`)"
		return f"nextval('\"{self.sequence}\"')"


def next_names(doctype: str, count: int) -> list[int]:
	"""`count` names of an autoincrement DocType in one query; each is unique even with other writers."""
	sequence = frappe.scrub(f"{doctype}_id_seq")
	if not count:
		return []
	if frappe.db.db_type == "mariadb":
		query = f"select nextval(`{sequence}`) from seq_1_to_{int(count)}"
	else:
		query = f"select nextval('\"{sequence}\"') from generate_series(1, {int(count)})"
	return [row[0] for row in frappe.db.sql(query)]


class Digest(Term):
	"""The 16-byte MD5 of a text (hashlib.md5 of its UTF-8 in Python): a narrow key to group by where the
	text is long, as MariaDB's in-memory temporary tables store a varchar at its full width."""

	def __init__(self, term: Term, alias=None):
		super().__init__(alias=alias)
		self.term = term

	def get_sql(self, **kwargs) -> str:
		text = self.term.get_sql(**kwargs)
		if frappe.db.db_type == "mariadb":
			sql = f"unhex(md5({text}))"
		else:
			sql = f"decode(md5({text}), 'hex')"
		return format_alias_sql(sql, self.alias, **kwargs) if kwargs.get("with_alias") else sql


def digest(text: str) -> bytes:
	return hashlib.md5(text.encode()).digest()


def run_with_temporary_memory(query, megabytes: int, **kwargs):
	"""Run a frappe.qb query with MariaDB's in-memory temporary tables allowed `megabytes` for this
	statement only (SET STATEMENT ... FOR): a grouping that outgrows the default 16 MB goes to disk and
	runs about twice as long. PostgreSQL sizes its own (work_mem)."""
	size = megabytes << 20
	return _run_with_settings(query, {"max_heap_table_size": size, "tmp_table_size": size}, **kwargs)


def run_sorting_whole_rows(query, **kwargs):
	"""Run a frappe.qb query whose ORDER BY ... LIMIT sorts many rows, with MariaDB sorting the selected
	columns themselves: past max_length_for_sort_data (1 KB of declared width) it sorts row ids and then
	reads each row again at random, in sorted order, until the limit is met (11 s instead of 1 s for a
	restricted user's Pipeline Movement drill-down on 1,000,000 opportunities)."""
	return _run_with_settings(query, {"max_length_for_sort_data": 8192}, **kwargs)


def _run_with_settings(query, settings: dict, **kwargs):
	parameters = NamedParameterWrapper()
	sql = query.get_sql(param_wrapper=parameters)
	if frappe.db.db_type == "mariadb":
		assigned = ", ".join(f"{name} = {int(value)}" for name, value in settings.items())
		sql = f"set statement {assigned} for {sql}"
	return frappe.db.sql(sql, parameters.get_parameters(), **kwargs)


# Frappe refuses a statement whose first word is CREATE or DROP once the transaction has written
# (Database.check_implicit_commit), as most such statements commit it. MariaDB documents that CREATE and
# DROP TEMPORARY TABLE never do, so those statements open with this comment, which says why.
NO_IMPLICIT_COMMIT = "/* a temporary table: no implicit commit */"


def can_keep_temporary_tables() -> bool:
	"""Whether this request may make a temporary table: on MariaDB, outside Frappe's read-only mode (its
	READ ONLY transaction refuses CREATE TEMPORARY TABLE)."""
	return frappe.db.db_type == "mariadb" and not frappe.flags.read_only


@contextmanager
def temporary_table(query, columns: str, megabytes: int):
	"""A temporary table in memory of `query`'s rows (a frappe.qb query) for the block, with the `columns`
	given (their definitions and keys) and room for `megabytes`, dropped after it: what several
	statements of one request join alike is computed once. Only where can_keep_temporary_tables().
	In memory, as MariaDB keeps a derived table it reads once: on disk (InnoDB) writing the table cost
	more than reading it twice."""
	table = f"op_tmp_{frappe.generate_hash(length=12)}"
	parameters = NamedParameterWrapper()
	sql = query.get_sql(param_wrapper=parameters)
	frappe.db.sql(
		f"{NO_IMPLICIT_COMMIT} set statement max_heap_table_size = {int(megabytes) << 20} for "
		f"create temporary table `{table}` ({columns}) engine=memory {sql}",
		parameters.get_parameters(),
	)
	try:
		yield Table(table)
	finally:
		frappe.db.sql(f"{NO_IMPLICIT_COMMIT} drop temporary table if exists `{table}`")


def bounded_count(query, term, limit: int) -> tuple[int, bool]:
	"""How many rows `query` (a frappe.qb query, nothing selected yet) holds, reading at most `limit` and
	one more: (count, whether it holds more). A count the user reads as "10,000+" need not read them all."""
	from frappe.query_builder.functions import Count

	found = frappe.qb.from_(query.select(term).limit(limit + 1)).select(Count("*")).run()[0][0]
	return min(found, limit), found > limit


def ensure_index(doctype: str, name: str, columns: list[str]):
	"""frappe.db.add_index with the columns given: add_index keeps an index of that name whatever its
	columns, so one built by an earlier version with other columns is dropped and built again (on
	MariaDB; on PostgreSQL it stays as add_index leaves it)."""
	table = f"tab{doctype}"
	if frappe.db.db_type == "mariadb":
		indexed = frappe.db.sql(f"show index from `{table}` where Key_name = %s", name, as_dict=True)
		if indexed and [row.Column_name for row in indexed] != list(columns):
			frappe.db.sql_ddl(f"alter table `{table}` drop index `{name}`")
		# MariaDB's add_index writes the names as they come (PostgreSQL's quotes them): one may be a
		# keyword (`from`).
		columns = [f"`{column}`" for column in columns]
	frappe.db.add_index(doctype, columns, index_name=name)


def estimated_rows(doctype: str) -> int:
	"""The database's estimate of a table's rows, read without counting them. (frappe.db.estimate_count
	reads the first table of that name in any database of the server, another site's as well.)"""
	table = f"tab{doctype}"
	if frappe.db.db_type == "mariadb":
		sql = "select table_rows from information_schema.tables where table_schema = database() and table_name = %s"
	else:
		sql = "select reltuples::bigint from pg_class where relname = %s"
	found = frappe.db.sql(sql, table)
	return max(int(found[0][0] or 0), 0) if found else 0


class SecondsBetween(Term):
	"""Seconds from `start` to `end` (a Duration field's value)."""

	def __init__(self, start: Term, end):
		super().__init__()
		self.start = start
		self.end = end if isinstance(end, Term) else ValueWrapper(end)

	def get_sql(self, **kwargs) -> str:
		start, end = self.start.get_sql(**kwargs), self.end.get_sql(**kwargs)
		if frappe.db.db_type == "mariadb":
			return f"timestampdiff(second, {start}, {end})"
		return f"extract(epoch from ({end} - {start}))"


class Json(Term):
	"""A JSON text the database builds from Python dicts and lists whose leaves are values or columns
	(MariaDB's json_object / json_array, PostgreSQL's json_build_*): a set-based INSERT ... SELECT can
	write per row what json.dumps would, column values escaped by the database."""

	def __init__(self, value):
		super().__init__()
		self.value = value

	def get_sql(self, **kwargs) -> str:
		mariadb = frappe.db.db_type == "mariadb"

		def build(value) -> str:
			if isinstance(value, dict):
				pairs = ", ".join(f"{build(key)}, {build(item)}" for key, item in value.items())
				return f"json_object({pairs})" if mariadb else f"json_build_object({pairs})"
			if isinstance(value, list | tuple):
				items = ", ".join(build(item) for item in value)
				return f"json_array({items})" if mariadb else f"json_build_array({items})"
			if value is None:
				return "null"
			term = value if isinstance(value, Term) else ValueWrapper(value)
			return term.get_sql(**kwargs)

		sql = build(self.value)
		return sql if mariadb else f"({sql})::text"
