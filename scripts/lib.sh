# Shared settings and helpers of the bench scripts; sourced, not run.
# Every path and name can be overridden from the environment.

APP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Frappe and ERPNext's major version: 15, or 16 (OP_FRAPPE_VERSION=16), each on a bench of its own.
FRAPPE_VERSION=${OP_FRAPPE_VERSION:-15}
case "$FRAPPE_VERSION" in
15 | 16) ;;
*) echo "OP_FRAPPE_VERSION must be 15 or 16, not $FRAPPE_VERSION" >&2; exit 2 ;;
esac
bench_dir_of() { if [ "$1" = 15 ]; then echo "$HOME/frappe-bench"; else echo "$HOME/frappe-bench-$1"; fi; }
BENCH_DIR=${OP_BENCH_DIR:-$(bench_dir_of "$FRAPPE_VERSION")}
DEV_SITE=${OP_DEV_SITE:-dev.localhost}
TEST_SITE=${OP_TEST_SITE:-test.localhost}
ADMIN_PASSWORD=${OP_ADMIN_PASSWORD:-admin}
# MariaDB account that may create databases; made by setup-bench when it does not exist.
DB_ADMIN_USER=${OP_DB_ADMIN_USER:-op_bench_admin}
DB_ADMIN_PASSWORD=${OP_DB_ADMIN_PASSWORD:-op_bench_admin}
# MariaDB's TCP port on 127.0.0.1 (another one lets a second server run beside the machine's own).
DB_PORT=${OP_DB_PORT:-3306}
# One Redis for both benches, a database each: Frappe keeps some keys (the asset map) without a site prefix.
REDIS_URL=${OP_REDIS_URL:-redis://127.0.0.1:6379/$((FRAPPE_VERSION - 15))}
REDIS_PORT=$(sed -E 's#^.*:([0-9]+)/?[0-9]*$#\1#' <<<"$REDIS_URL")

# The bench CLI's own environment (setup-bench makes it when no `bench` is on PATH), used from here on.
BENCH_CLI_DIR=${OP_BENCH_CLI_DIR:-$HOME/.local/share/opportunity-pipeline/bench-cli}
[ -x "$BENCH_CLI_DIR/bin/bench" ] && PATH="$BENCH_CLI_DIR/bin:$PATH"
# Frappe 16's Node.js, when setup-bench had to fetch it (scripts/toolchain.sh).
NODE24_BIN=${OP_TOOLS_DIR:-$HOME/.local/share/opportunity-pipeline}/node-24/bin
[ "$FRAPPE_VERSION" -ge 16 ] && [ -x "$NODE24_BIN/node" ] && PATH="$NODE24_BIN:$PATH"

log() { printf '\n== %s\n' "$*" >&2; }

ensure_services() {
	if ! mysqladmin -uroot ping >/dev/null 2>&1 && ! mysqladmin -u"$DB_ADMIN_USER" -p"$DB_ADMIN_PASSWORD" -h127.0.0.1 -P"$DB_PORT" ping >/dev/null 2>&1; then
		log "MariaDB does not answer: starting it (port $DB_PORT)"
		mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
		start-stop-daemon --start --oknodo --background --pidfile /run/mysqld/mysqld.pid --exec /usr/sbin/mariadbd -- \
			--user=mysql --port="$DB_PORT"
		for _ in $(seq 60); do mysqladmin -uroot ping >/dev/null 2>&1 && break; sleep 1; done
	fi
	if ! redis-cli -u "$REDIS_URL" ping >/dev/null 2>&1; then
		log "Redis does not answer: starting it (port $REDIS_PORT)"
		redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no
		for _ in $(seq 30); do redis-cli -u "$REDIS_URL" ping >/dev/null 2>&1 && break; sleep 1; done
	fi
	# Frappe refuses a server whose default character set is not utf8mb4 with unicode collation.
	mysql -u"$DB_ADMIN_USER" -p"$DB_ADMIN_PASSWORD" -h127.0.0.1 -P"$DB_PORT" -e \
		"SET GLOBAL character_set_server = 'utf8mb4'; SET GLOBAL collation_server = 'utf8mb4_unicode_ci';" \
		2>/dev/null || mysql -uroot -e \
		"SET GLOBAL character_set_server = 'utf8mb4'; SET GLOBAL collation_server = 'utf8mb4_unicode_ci';"
}

# Drop the background jobs a site has queued: the test bench runs no worker, so the jobs its tests leave
# (Frappe queues one per deleted document) pile up (new_site_without_queue_limit says why that matters).
# Housekeeping: a failure is said, not fatal.
purge_site_jobs() {
	in_bench bench purge-jobs --site "$1" 2>&1 | tail -n 3 ||
		echo "(could not drop the queued jobs of $1: bench purge-jobs failed)"
}

# new_site_without_queue_limit SITE APP...: a new site for tests, screenshots or benchmarks, then its apps.
# No worker runs on these benches, so the jobs queued on one stay (every site of the bench and every earlier
# run add to one queue); past max_queued_jobs (500, plus 50 a site, by default) Frappe 16 refuses to queue,
# and installing an app queues jobs (a replaced Property Setter queues the removal of its links). So the
# site's limit is lifted before anything is installed.
new_site_without_queue_limit() {
	local site=$1 app
	shift
	in_bench bench new-site "$site" --db-root-username "$DB_ADMIN_USER" --db-root-password "$DB_ADMIN_PASSWORD" \
		--admin-password "$ADMIN_PASSWORD"
	in_bench bench --site "$site" set-config max_queued_jobs 100000
	for app in "$@"; do in_bench bench --site "$site" install-app "$app"; done
}

# A new test site in the order a new user takes: ERPNext (and Frappe CRM when the bench has it) and the
# app installed before ERPNext's setup wizard (which the tests' before_tests hook completes), the payments
# app for ERPNext's own suites, tests allowed. OP_SETUP_ORDER=wizard-first installs the app on a site
# ERPNext's setup has completed instead. Any earlier test site of that name is dropped first.
make_test_site() {
	[ -d "$BENCH_DIR/sites/$TEST_SITE" ] && purge_site_jobs "$TEST_SITE"
	in_bench bench drop-site "$TEST_SITE" --force --no-backup --db-root-username "$DB_ADMIN_USER" \
		--db-root-password "$DB_ADMIN_PASSWORD" >/dev/null 2>&1 || true
	rm -rf "$BENCH_DIR/sites/$TEST_SITE"
	new_site_without_queue_limit "$TEST_SITE" erpnext
	# Frappe CRM, when the bench has it (setup-bench OP_CRM_REPO), as a site that uses both would have it.
	if [ -d "$BENCH_DIR/apps/crm" ]; then
		in_bench bench --site "$TEST_SITE" install-app crm
	fi
	if [ "${OP_SETUP_ORDER:-app-first}" = wizard-first ]; then
		in_bench bench --site "$TEST_SITE" execute erpnext.setup.utils.before_tests
	fi
	in_bench bench --site "$TEST_SITE" install-app opportunity_pipeline
	if [ -d "$BENCH_DIR/apps/payments" ]; then
		in_bench bench --site "$TEST_SITE" install-app payments
	fi
	in_bench bench --site "$TEST_SITE" set-config allow_tests true
}

bench_exists() { [ -d "$BENCH_DIR/apps/frappe" ] && [ -d "$BENCH_DIR/sites" ]; }

in_bench() { (cd "$BENCH_DIR" && "$@"); }
