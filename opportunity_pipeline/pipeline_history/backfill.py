"""The history of the opportunities that have none yet, read back from their Version history: on install,
by a patch on migrate, and by hand (System Manager). Batches follow the primary key; each reads its
opportunities and their Versions in two queries, rebuilds their timelines (rules.timeline) and writes them
in one bulk insert, so an opportunity gets its whole history or none and a second run resumes."""

import json

from pypika.terms import Term

import frappe
from frappe import _
from frappe.query_builder.functions import Count
from frappe.utils import get_number_format_info

from opportunity_pipeline.opportunity_pipeline.doctype.opportunity_pipeline_state.opportunity_pipeline_state import (
	BY_OPPORTUNITY,
	INDEXES,
	on_doctype_update,
)
from opportunity_pipeline.pipeline_history.record import STATE
from opportunity_pipeline.pipeline_history.rules import (
	TRACKED_FIELDS,
	timeline,
	version_value,
	with_derived_fields,
)
from opportunity_pipeline.sql import next_names
from opportunity_pipeline.statuses import LOST_STATUSES, WON_STATUSES
from opportunity_pipeline.win_probability.settings import column

BATCH_SIZE = 2_000
BULK_LOAD_FROM = 50_000  # opportunities: from this many the read indexes are built after the rows
# Every index but the one by opportunity, which each batch reads.
READ_INDEXES = tuple(name for name, _columns in INDEXES if name != BY_OPPORTUNITY[0])
STORED_FIELDS = (
	"opportunity",
	"valid_from",
	"valid_to",
	"origin",
	"changed_by",
	*TRACKED_FIELDS,
	"stage_since",
	"left_stage",
	"stage_days",
	"contact_since",
	"ends_follow_up",
	"span_class",
)


def backfill_history(commit: bool = True, publish_progress: bool = False) -> int:
	"""Write the history of every opportunity without one. Returns how many opportunities it covered."""
	total = _without_history().select(Count("*")).run()[0][0]
	bulk = commit and total >= BULK_LOAD_FROM
	if bulk:
		_drop_read_indexes()
	done, after = 0, ""
	try:
		while names := _next_batch(after):
			_write(names)
			done += len(names)
			after = names[-1]
			if commit:
				frappe.db.commit()
			if publish_progress and total:
				frappe.publish_progress(
					min(100, done * 100 / total),
					title=_("Rebuilding the pipeline history"),
					description=_("{0} of {1} opportunities").format(done, total),
				)
	finally:
		if bulk:
			on_doctype_update()
	return done


def _drop_read_indexes():
	"""A large backfill inserts rows in opportunity order, which the indexes by company and date receive
	in random order: once they outgrow the buffer pool each row costs a random read. They are dropped
	and built again at the end, sorted, as bulk loads do (and on the next migrate if a run stops)."""
	for index in READ_INDEXES:
		drop_index(index)


def drop_index(index: str):
	if frappe.db.has_index(f"tab{STATE}", index):
		if frappe.db.db_type == "mariadb":
			frappe.db.sql_ddl(f"alter table `tab{STATE}` drop index `{index}`")
		else:
			frappe.db.sql_ddl(f'drop index if exists "{index}"')


def _without_history():
	opportunity = frappe.qb.DocType("Opportunity")
	state = frappe.qb.DocType(STATE)
	return (
		frappe.qb.from_(opportunity)
		.left_join(state)
		.on(
			(state.opportunity == opportunity.name)
			& (state.document_type == "Opportunity")
			& (state.deleted == 0)
		)
		.where(state.name.isnull())
	)


def _next_batch(after: str) -> list[str]:
	opportunity = frappe.qb.DocType("Opportunity")
	query = _without_history().select(opportunity.name).where(opportunity.name > after)
	return [row[0] for row in query.orderby(opportunity.name).limit(BATCH_SIZE).run()]


def _write(names: list[str]):
	opportunity = frappe.qb.DocType("Opportunity")
	fields = [field for field in TRACKED_FIELDS if field not in ("amount", "source")]
	current = (
		frappe.qb.from_(opportunity)
		.select(
			opportunity.name,
			opportunity.creation,
			opportunity.modified,
			opportunity.owner,
			opportunity.modified_by,
			opportunity.opportunity_amount,
			opportunity.conversion_rate,
			opportunity.converted_on,
			opportunity.lost_date,
			opportunity[column("source")].as_("source"),
			*(opportunity[field] for field in fields),
		)
		.where(opportunity.name.isin(names))
		.run(as_dict=True)
	)
	versions = _versions(names)
	rows = []
	for doc in current:
		# A deleted opportunity's Versions stay under its name, which the next one of the series may take.
		history = [version for version in versions.get(doc.name, []) if version[0] >= doc.creation]
		states = timeline(
			doc, doc.creation, doc.modified, [(when, changed) for when, _who, changed in history]
		)
		for row in with_derived_fields(states):
			changed_by = _author(row, doc, history)
			stored = {**row, "opportunity": doc.name, "changed_by": changed_by}
			rows.append(
				(
					doc.modified,
					doc.modified,
					"Administrator",
					"Administrator",
					*(stored[f] for f in STORED_FIELDS),
				)
			)
	names = next_names(STATE, len(rows))
	frappe.db.bulk_insert(
		STATE,
		["name", "creation", "modified", "owner", "modified_by", *STORED_FIELDS],
		[(name, *row) for name, row in zip(names, rows, strict=True)],
		chunk_size=5_000,
	)


def _stamped(doc) -> list:
	"""The outcome the app dated (Converted On, Lost On): ERPNext sets those statuses without a Version."""
	if doc.status in WON_STATUSES and doc.converted_on:
		return [(doc.converted_on, "status", doc.status)]
	if doc.status in LOST_STATUSES and doc.lost_date:
		return [(doc.lost_date, "status", doc.status)]
	return []


def _author(row, doc, history):
	"""Who made the change a row starts with: the Version's author, the creator for the first row, and
	the last modifier for an untracked change."""
	if row["valid_from"] == doc.creation:
		return doc.owner
	for when, who, _changed in history:
		if when == row["valid_from"]:
			return who
	return doc.modified_by


class JsonChanged(Term):
	"""The "changed" list of a Version's data, extracted by the database: a fraction of the JSON to send
	and parse."""

	def __init__(self, data: Term):
		super().__init__()
		self.data = data

	def get_sql(self, **kwargs) -> str:
		data = self.data.get_sql(**kwargs)
		if frappe.db.db_type == "mariadb":
			return f"json_extract({data}, '$.changed')"
		return f"(cast({data} as json) -> 'changed')::text"


def _versions(names: list[str]) -> dict:
	"""name -> [(when, who, changed)] of its Versions in order."""
	version = frappe.qb.DocType("Version")
	rows = (
		frappe.qb.from_(version)
		.select(version.docname, version.creation, version.owner, JsonChanged(version.data))
		.where((version.ref_doctype == "Opportunity") & version.docname.isin(names))
		.orderby(version.creation)
		.run()
	)
	renamed = {column("source"): "source"}
	number_format = get_number_format_info(frappe.db.get_default("number_format") or "#,###.##")[:2]
	date_format = frappe.db.get_default("date_format") or "dd-mm-yyyy"
	found = {}
	for name, when, who, data in rows:
		try:
			changed = json.loads(data or "[]")
		except ValueError:
			changed = None
		if changed:
			changed = [
				[
					field := renamed.get(entry[0], entry[0]),
					*(version_value(field, value, number_format, date_format) for value in entry[1:]),
				]
				for entry in changed
				if isinstance(entry, list) and len(entry) == 3
			]
			found.setdefault(name, []).append((when, who, changed))
	return found


@frappe.whitelist(methods=["POST"])
def rebuild_pipeline_history():
	"""System Manager: write the history of the opportunities that have none (queued, with progress)."""
	frappe.only_for("System Manager")
	frappe.enqueue(
		backfill_history,
		queue="long",
		job_id="opportunity_pipeline_backfill_history",
		deduplicate=True,
		publish_progress=True,
	)
