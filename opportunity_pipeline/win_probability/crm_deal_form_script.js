// Frappe CRM's deal page (/crm): a "Win Probability" button that shows the deal's chance and why.
// The app keeps this code in a CRM Form Script of its own (frappe_crm.DEAL_FORM_SCRIPT); Frappe CRM runs
// it with its helpers (call, createDialog) in scope.
/* global call, createDialog */
class CRMDeal {
	onLoad() {
		this.actions = [
			{
				label: __("Win Probability"),
				icon: "percent",
				onClick: () => this.explainWinProbability(),
			},
		];
	}

	async explainWinProbability() {
		const why = await call("opportunity_pipeline.api.explain_deal_win_probability", {
			deal: this.doc.name,
		});
		const escape = (text) => {
			const element = document.createElement("span");
			element.textContent = text == null ? "" : String(text);
			return element.innerHTML;
		};
		const method = why.method === "Learned" ? __("learned") : __("from the status");
		const lines = [
			`<p class="text-p-base text-ink-gray-8">${escape(
				__("{0}% ({1})", [why.probability ?? 0, method]),
			)}</p>`,
		];
		if (why.set_by_hand) {
			lines.push(
				`<p class="text-p-sm text-ink-gray-6">${escape(
					__("This deal's probability was set by hand: {0}%.", [why.stored]),
				)}</p>`,
			);
		}
		if (why.factors.length) {
			const items = why.factors.slice(0, 3).map((factor) => {
				const direction = factor.raises
					? __("raises the chance")
					: __("lowers the chance");
				const effect = factor.effect == null ? "" : ` (×${factor.effect})`;
				return `<li data-field="${escape(factor.field)}">${escape(
					`${factor.label}: ${factor.value_label}`,
				)} — ${escape(direction)}${escape(effect)}</li>`;
			});
			lines.push(`<ul class="mt-2 list-disc pl-5 text-p-base">${items.join("")}</ul>`);
		} else if (why.setting === "Learned" && why.method !== "Learned") {
			lines.push(
				`<p class="text-p-sm text-ink-gray-6">${escape(
					__("Not enough won and lost deals have been learned from yet."),
				)}</p>`,
			);
		}
		createDialog({
			title: __("Win Probability"),
			html: `<div class="opportunity-pipeline-win-probability">${lines.join("")}</div>`,
			actions: [{ label: __("Close"), variant: "solid", onClick: (close) => close() }],
		});
	}
}
