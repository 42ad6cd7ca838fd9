"""Pure decisions of the pipeline: plain values in, plain values out, no Frappe import."""
