frappe.ui.form.on("Opportunity", {
	refresh(frm) {
		// ERPNext offers Create ▸ Supplier Quotation even with no items; there is nothing to price then.
		if (!(frm.doc.items || []).length) {
			frm.remove_custom_button(__("Supplier Quotation"), __("Create"));
		}
		explain_win_probability(frm);
		show_pipeline_history(frm);
		show_moved_deal(frm);
	},

	async sales_stage(frm) {
		// Show the stage's probability at once; the server applies the same rule on save. A learned
		// chance depends on more than the stage: the server computes it on save.
		if (frappe.boot.opportunity_pipeline.win_probability_method === "Learned") return;
		if (!frm.doc.sales_stage || frm.doc.probability_set_by_hand) return;
		const { message } = await frappe.db.get_value(
			"Sales Stage",
			frm.doc.sales_stage,
			"probability",
		);
		if (message && message.probability) {
			frm.set_value("probability", message.probability);
		}
	},
});

// Under the probability, why it is what it is: the learned chance's three strongest factors, or why the
// stage's probability applies instead.
async function explain_win_probability(frm) {
	const field = frm.get_field("probability");
	if (!field) return;
	field.df.own_description ??= field.df.description || "";
	field.set_description(field.df.own_description);
	if (frm.is_new() || frappe.boot.opportunity_pipeline.win_probability_method !== "Learned")
		return;

	const name = frm.doc.name;
	const { message: why } = await frappe.call({
		method: "opportunity_pipeline.api.explain_win_probability",
		args: { opportunity: name },
	});
	// The user may have moved to another opportunity meanwhile.
	if (!why || why.setting !== "Learned" || frm.doc.name !== name) return;
	field.set_description(win_probability_description(why));
}

function win_probability_description(why) {
	const escape = frappe.utils.escape_html;
	if (why.method !== "Learned") {
		const { won, lost, min_won, min_lost } = why.history;
		// The company's counts come only to users whose list hides none of its opportunities.
		return escape(
			won === null
				? __(
						"Not enough history to learn from yet: {0} won and {1} lost needed. The sales stage's probability applies.",
						[min_won, min_lost],
					)
				: __(
						"Not enough history to learn from yet: {0} won and {1} lost, {2} and {3} needed. The sales stage's probability applies.",
						[won, lost, min_won, min_lost],
					),
		);
	}
	// The figures (each factor's effect, the company's win rate) come only to users whose list hides
	// none of the company's opportunities; the others see which way each factor moves the chance.
	const factors = why.factors
		.slice(0, 3)
		.map((factor) => {
			const effect =
				factor.effect === null
					? factor.raises
						? __("raises the chance")
						: __("lowers the chance")
					: `×${format_number(factor.effect, null, 2)}`;
			return `${escape(factor.label)} = ${escape(factor.value_label)}: <b>${escape(
				effect,
			)}</b>`;
		})
		.join(" · ");
	const lines = [
		escape(
			why.prior === null
				? __("Learned from this company's closed opportunities.")
				: __(
						"Learned from this company's closed opportunities, of which {0} % were won.",
						[format_number(why.prior, null, 1)],
					),
		),
	];
	if (why.set_by_hand) {
		lines.push(
			escape(
				__("Typed by hand. The learned chance is {0} %: clear the field to use it.", [
					format_number(why.probability, null, 1),
				]),
			),
		);
	}
	if (factors) lines.push(factors);
	return `<span class="win-probability-factors">${lines.join("<br>")}</span>`;
}

// The history section: each stay in a stage, with its dates and the days spent there. Read when the
// section is opened (Frappe tells each field of a section when it opens or closes): most form loads
// never open it.
function show_pipeline_history(frm) {
	const field = frm.get_field("pipeline_history_html");
	if (!field) return;
	field.$wrapper.empty();
	field.on_section_collapse = (collapsed) => {
		if (!collapsed) load_pipeline_history(frm, field);
	};
	const section = frm.fields_dict.pipeline_history_section;
	if (section && section.is_collapsed && !section.is_collapsed()) {
		load_pipeline_history(frm, field);
	}
}

async function load_pipeline_history(frm, field) {
	if (frm.is_new()) return;
	const name = frm.doc.name;
	const { message: history } = await frappe.call({
		method: "opportunity_pipeline.api.opportunity_history",
		args: { opportunity: name },
	});
	if (!history || frm.doc.name !== name) return;
	field.$wrapper.html(pipeline_history_table(history));
}

function pipeline_history_table(history) {
	const escape = frappe.utils.escape_html;
	if (!history.stays.length) {
		return `<p class="text-muted pipeline-history">${escape(
			__("No stay in a sales stage recorded yet."),
		)}</p>`;
	}
	const rows = history.stays
		.map(
			(stay) => `<tr>
				<td>${escape(stay.stage ? __(stay.stage) : __("No Stage"))}</td>
				<td>${frappe.datetime.str_to_user(stay.from)}</td>
				<td>${stay.to ? frappe.datetime.str_to_user(stay.to) : escape(__("Now"))}</td>
				<td class="text-right">${format_number(stay.days, null, 0)}</td>
				<td>${stay.ended_as ? escape(__(stay.ended_as)) : ""}</td>
			</tr>`,
		)
		.join("");
	const note = history.reconstructed
		? `<p class="text-muted small">${escape(
				__("Stays before the app was installed are read back from the Version history."),
			)}</p>`
		: "";
	return `<table class="table table-bordered table-sm pipeline-history">
		<thead><tr>
			<th>${escape(__("Sales Stage"))}</th>
			<th>${escape(__("From"))}</th>
			<th>${escape(__("To"))}</th>
			<th class="text-right">${escape(__("Days"))}</th>
			<th>${escape(__("Left As"))}</th>
		</tr></thead>
		<tbody>${rows}</tbody>
	</table>${note}`;
}

// Where the move to Frappe CRM made a deal of this opportunity, the form says which (crm_move/marks.py).
function show_moved_deal(frm) {
	const deal = frm.doc.__onload && frm.doc.__onload.moved_to_deal;
	if (!deal) return;
	const link = `<a href="/crm/deals/${encodeURIComponent(deal)}">${frappe.utils.escape_html(deal)}</a>`;
	frm.dashboard.set_headline(
		__("Moved to Frappe CRM as deal {0}; this opportunity is kept as it was.", [link]),
	);
}
