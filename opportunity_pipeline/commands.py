"""bench commands of the app: `bench --site SITE opportunity-pipeline-demo [--remove]`."""

import click

from frappe.commands import get_site, pass_context


@click.command("opportunity-pipeline-demo")
@click.option("--remove", is_flag=True, help="Delete the demo pipeline and everything it made.")
@click.option("--seed", default=2026, show_default=True, help="Another seed tells another story.")
@pass_context
def demo(context, remove=False, seed=2026):
	"""Fill a site without sales data with a year of demo opportunities, or remove them."""
	import frappe

	from opportunity_pipeline.demo.make import make_demo, remove_demo

	site = get_site(context)
	frappe.init(site=site)
	frappe.connect()
	try:
		if remove:
			click.echo(f"Removed the demo pipeline: {remove_demo()} records and what the app made for them.")
		else:
			click.echo("Playing a year of opportunities through the app (a few minutes)...")
			counts = make_demo(seed)
			click.echo(
				"Made: " + ", ".join(f"{count} {doctype}" for doctype, count in sorted(counts.items()))
			)
	finally:
		frappe.destroy()


commands = [demo]
