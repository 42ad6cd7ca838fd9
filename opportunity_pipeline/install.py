from opportunity_pipeline.assignment import create_default_assignment_rule, delete_default_assignment_rule


def after_install():
	create_default_assignment_rule()


def before_uninstall():
	delete_default_assignment_rule()
