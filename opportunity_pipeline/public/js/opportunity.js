frappe.ui.form.on("Opportunity", {
	refresh(frm) {
		// ERPNext offers Create ▸ Supplier Quotation even with no items; there is nothing to price then.
		if (!(frm.doc.items || []).length) {
			frm.remove_custom_button(__("Supplier Quotation"), __("Create"));
		}
	},
});
