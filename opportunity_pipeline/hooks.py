app_name = "opportunity_pipeline"
app_title = "Opportunity Pipeline"
app_publisher = "opportunity_pipeline contributors"
app_description = "The complete opportunity sales pipeline for ERPNext"
app_email = "dev@opportunity-pipeline.invalid"
app_license = "GPL-3.0"

required_apps = ["erpnext"]

before_tests = ["opportunity_pipeline.tests.setup.before_tests"]
