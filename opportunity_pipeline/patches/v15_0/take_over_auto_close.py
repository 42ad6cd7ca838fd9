from opportunity_pipeline.auto_close.settings import take_over_from_erpnext


def execute():
	"""Sites that installed the app before auto-close existed (new installs: after_install)."""
	take_over_from_erpnext()
