"""Create ▸ Quotation / Supplier Quotation from an opportunity, and the opportunity's status following its
quotations."""
