from opportunity_pipeline.assignment import create_default_assignment_rule, delete_default_assignment_rule
from opportunity_pipeline.auto_close.settings import hand_back_to_erpnext, take_over_from_erpnext


def after_install():
	create_default_assignment_rule()
	take_over_from_erpnext()


def before_uninstall():
	delete_default_assignment_rule()
	hand_back_to_erpnext()
