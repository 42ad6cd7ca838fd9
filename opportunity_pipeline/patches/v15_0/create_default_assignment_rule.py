from opportunity_pipeline.follow_up.assignment import create_default_assignment_rule


def execute():
	"""Sites that installed the app before the rule existed get it too (new installs: after_install)."""
	create_default_assignment_rule()
