frappe.ui.form.on("Opportunity", {
	refresh(frm) {
		// ERPNext offers Create ▸ Supplier Quotation even with no items; there is nothing to price then.
		if (!(frm.doc.items || []).length) {
			frm.remove_custom_button(__("Supplier Quotation"), __("Create"));
		}
	},

	async sales_stage(frm) {
		// Show the stage's probability at once; the server applies the same rule on save.
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
