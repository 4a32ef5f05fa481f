"""The Debian package, built from the tree and run from a scratch root.

`scripts/dev test` runs this file (tests/package) with the integration
tests. It builds the package with `dpkg-buildpackage -us -uc -b` in a
scratch copy of the tree, runs lintian (no error allowed), unpacks the .deb
with `dpkg -x` into a scratch root (systemd is not PID 1 here), and then
runs the package the way systemd would: the directories of its tmpfiles.d
file, the environment files written by its ztic-env-init (what postinst
runs), PostgreSQL and Redis started for the test, its ztic-migrate, every
unit's ExecStart parsed from the shipped unit files (User=, Environment=,
EnvironmentFile= honoured; ztic is played by nobody) and nginx with the
shipped production site and a self-signed certificate. Absolute paths of
the package (/run/ztic, /usr/lib/ztic, /usr/share/ztic, /etc/ztic,
/var/lib/ztic) are pointed into the scratch root; nothing else changes.
Then: health, a hold, a booking and a live message through HTTPS; HSTS on
every answer; HTTP redirects to HTTPS; the two nginx configurations come
from one source. docs/deploy.md ("The package test").

Skipped, with the reason, only when the build dependencies cannot be
installed (no root, no network). ZT_KEEP=1 keeps the scratch directory;
ZT_PACKAGE_DEB=<file.deb> tests that package instead of building one.
"""

import base64
import glob
import json
import os
import re
import shlex
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import pytest
import requests
import urllib3

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from ztauth import jwt  # noqa: E402
from ztbook import Shop  # noqa: E402

urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
# the test trusts its own self-signed certificate by not verifying it
pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")

PG_BIN = "/usr/lib/postgresql/15/bin"
# the package's absolute paths, pointed into the scratch root
PKG_PATHS = ("/run/ztic", "/usr/lib/ztic", "/usr/share/ztic", "/etc/ztic",
             "/var/lib/ztic")
PATH_RE = re.compile(r"(?<![\w./-])(" + "|".join(re.escape(p) for p in PKG_PATHS)
                     + r")(?=[/;'\s\"]|$)")
TOOLS = ["dpkg-dev", "debhelper", "dh-autoreconf", "lintian", "openssl"]
IS_ROOT = os.geteuid() == 0
# as root, the services run as nobody (the package's ztic) and nginx's
# workers as www-data, as on a server
SVC_USER, SVC_GROUP = ("nobody", "nogroup") if IS_ROOT else (None, None)


def run(cmd, **kw):
    kw.setdefault("check", True)
    kw.setdefault("text", True)
    kw.setdefault("capture_output", True)
    try:
        return subprocess.run(cmd, **kw)
    except subprocess.CalledProcessError as e:
        raise AssertionError(f"{cmd} failed ({e.returncode}):\n{e.stdout}\n{e.stderr}")


def as_svc(argv):
    if not IS_ROOT:
        return list(argv)
    return ["setpriv", f"--reuid={SVC_USER}", f"--regid={SVC_GROUP}",
            "--clear-groups", "--"] + list(argv)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(fn, timeout=20, every=0.1, what="condition"):
    end = time.time() + timeout
    while time.time() < end:
        try:
            v = fn()
            if v:
                return v
        except Exception:  # noqa: BLE001 - polled until the deadline
            pass
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


def read_env_file(path):
    """NAME='value' lines, as systemd's EnvironmentFile= reads them."""
    env = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            m = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", line)
            assert m, f"{path}: not NAME=value: {line}"
            v = m.group(2)
            if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
                v = v[1:-1]
            env[m.group(1)] = v
    return env


def set_env_value(path, name, value):
    with open(path) as f:
        lines = f.read().splitlines()
    out, done = [], False
    for line in lines:
        if line.startswith(name + "="):
            line, done = f"{name}='{value}'", True
        out.append(line)
    if not done:
        out.append(f"{name}='{value}'")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def parse_unit(path):
    """The [Service] settings of a unit file: name -> list of values."""
    svc, section = {}, None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line[0] in "#;":
                continue
            if line.startswith("["):
                section = line
                continue
            k, _, v = line.partition("=")
            if section == "[Service]":
                svc.setdefault(k, []).append(v)
    return svc


# ------------------------------------------------------------- the build --

@pytest.fixture(scope="module")
def work():
    d = tempfile.mkdtemp(prefix="ztic-pkg.", dir="/tmp")
    os.chmod(d, 0o755)
    yield d
    if not os.environ.get("ZT_KEEP"):
        shutil.rmtree(d, ignore_errors=True)
    else:
        print(f"kept {d}")


def ensure_build_deps(src):
    """Install the tools and Build-Depends when missing (as root, with
    apt-get); skip the module only when that is impossible."""
    missing = [p for p in TOOLS if subprocess.run(
        ["dpkg-query", "-W", "-f=${db:Status-Status}", p], capture_output=True,
        text=True).stdout != "installed"]
    if shutil.which("dpkg-checkbuilddeps"):
        r = subprocess.run(["dpkg-checkbuilddeps"], cwd=src, capture_output=True, text=True)
        m = re.search(r"Unmet build dependencies: (.*)", r.stderr)
        if m:
            missing += [re.sub(r"\s*\(.*?\)", "", x).strip().split(":")[0]
                        for x in re.split(r"\s+(?=[a-z0-9])(?![^(]*\))", m.group(1)) if x.strip()]
    missing = [p for p in dict.fromkeys(missing) if p and p != "|"]
    if not missing:
        return
    if not IS_ROOT:
        pytest.skip("the package test needs the build dependencies "
                    f"{' '.join(missing)} (not root: cannot apt-get install them)")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    r = subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends"]
                       + missing, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip("the package test's build dependencies could not be installed "
                    f"({' '.join(missing)}): {r.stderr.strip()[-300:]}")


@pytest.fixture(scope="module")
def deb(work):
    """Build the package in a scratch copy of the tree (what git tracks or
    would track, plus web/ as it is, e.g. the npm-vendored scanner code)."""
    if os.environ.get("ZT_PACKAGE_DEB"):  # while working on the test itself
        return os.environ["ZT_PACKAGE_DEB"]
    src = os.path.join(work, "src")
    files = run(["git", "ls-files", "-co", "--exclude-standard", "-z"],
                cwd=ROOT).stdout.split("\0")
    files += [os.path.relpath(p, ROOT) for p in glob.glob(os.path.join(ROOT, "web", "**", "*"),
                                                          recursive=True)]
    for rel in dict.fromkeys(f for f in files if f):
        s = os.path.join(ROOT, rel)
        if not os.path.isfile(s) or os.path.islink(s):
            continue
        d = os.path.join(src, rel)
        os.makedirs(os.path.dirname(d), exist_ok=True)
        shutil.copy2(s, d)
    ensure_build_deps(src)
    t0 = time.time()
    r = subprocess.run(["dpkg-buildpackage", "-us", "-uc", "-b", "-j2"], cwd=src,
                       capture_output=True, text=True)
    with open(os.path.join(work, "build.log"), "w") as f:
        f.write(r.stdout + r.stderr)
    assert r.returncode == 0, "dpkg-buildpackage failed:\n" + (r.stdout + r.stderr)[-4000:]
    debs = glob.glob(os.path.join(work, "ztic_*.deb"))
    assert len(debs) == 1, debs
    print(f"built {os.path.basename(debs[0])} in {time.time() - t0:.0f}s")
    return debs[0]


@pytest.fixture(scope="module")
def root(work, deb):
    r = os.path.join(work, "root")
    run(["dpkg", "-x", deb, r])
    os.chmod(r, 0o755)
    return r


def test_lintian_finds_no_error(deb):
    r = subprocess.run(["lintian", "--no-tag-display-limit", deb],
                       capture_output=True, text=True)
    tags = [line for line in r.stdout.splitlines() if re.match(r"^[EW]: ", line)]
    print("\n".join(tags))
    errors = [t for t in tags if t.startswith("E: ")]
    assert errors == [], "\n".join(errors)


def test_the_control_fields_name_debian_packages_only(deb):
    fields = run(["dpkg-deb", "-f", deb, "Depends"]).stdout
    for dep in ("spawn-fcgi", "libnginx-mod-nchan",
                "postgresql-client", "libpq5", "libhiredis0.14"):
        assert dep in fields, fields


def test_the_install_layout_is_fhs(root):
    must = [
        "usr/lib/ztic/cgi-bin/seats", "usr/lib/ztic/cgi-bin/health",
        "usr/lib/ztic/cron/ztic-sweep", "usr/lib/ztic/cron/ztic-queue",
        "usr/lib/ztic/ztic-migrate", "usr/lib/ztic/ztic-job",
        "usr/lib/ztic/ztic-env-init", "usr/bin/ztic-migrate",
        "usr/share/ztic/web/index.html", "usr/share/ztic/sql/001_core.sql",
        "usr/share/ztic/nginx/fastcgi.conf", "usr/share/ztic/bootstrap.psql",
        "etc/nginx/sites-available/ztic", "etc/cron.d/ztic",
        "etc/ztic/nginx/tls.conf", "etc/ztic/nginx/real-ip.conf",
        "lib/systemd/system/ztic-seats.service", "lib/systemd/system/ztic.target",
        "lib/systemd/system/ztic-ticker.service",
        "usr/lib/tmpfiles.d/ztic.conf", "usr/share/doc/ztic/deploy.md",
    ]
    for rel in must:
        assert os.path.exists(os.path.join(root, rel)), rel
    for rel in glob.glob(os.path.join(root, "usr/lib/ztic/cgi-bin/*")):
        assert os.access(rel, os.X_OK), rel
    # one unit per responder pool, one per cgi-bin program
    progs = {os.path.basename(p) for p in glob.glob(os.path.join(root, "usr/lib/ztic/cgi-bin/*"))}
    units = {re.sub(r"^ztic-|\.service$", "", os.path.basename(p))
             for p in glob.glob(os.path.join(root, "lib/systemd/system/ztic-*.service"))}
    assert progs <= units and units - progs == {"ticker"}, (progs, units)
    # the environment is created by postinst, never shipped
    assert not os.path.exists(os.path.join(root, "etc/ztic/env"))


def test_units_are_sandboxed_and_run_as_ztic(root):
    for path in glob.glob(os.path.join(root, "lib/systemd/system/ztic-*.service")):
        s = parse_unit(path)
        name = os.path.basename(path)
        assert s["User"] == ["ztic"], name
        for k, v in (("ProtectSystem", "strict"), ("PrivateTmp", "yes"),
                     ("NoNewPrivileges", "yes"), ("ProtectHome", "yes")):
            assert s.get(k) == [v], (name, k)
        rw = " ".join(s.get("ReadWritePaths", [])).split()
        assert set(rw) <= {"/run/ztic", "/var/lib/ztic"}, (name, rw)
        assert "/etc/ztic/env" in s["EnvironmentFile"], name
        # systemd's own score of the sandbox (0 best, 10 worst; the units
        # score 1.7), when systemd's tools are on the machine
        if shutil.which("systemd-analyze"):
            r = subprocess.run(["systemd-analyze", "security", "--offline=true",
                                f"--root={root}", path], capture_output=True, text=True)
            m = re.search(r"Overall exposure level for \S+: ([0-9.]+)", r.stdout + r.stderr)
            assert m and float(m.group(1)) <= 2.5, (name, (r.stdout + r.stderr)[-500:])


def test_cron_d_is_generated_from_cron_crontab(root):
    with open(os.path.join(ROOT, "cron", "crontab")) as f:
        jobs = re.findall(r"exec /opt/ztic/cron/(ztic-[a-z-]+)", f.read())
    with open(os.path.join(root, "etc/cron.d/ztic")) as f:
        crond = f.read()
    lines = [x for x in crond.splitlines() if x and not x.startswith("#") and "=" not in x.split()[0]]
    assert [re.search(r"(ztic-[a-z-]+)\s*$", x).group(1) for x in lines] == jobs
    for x in lines:
        f = x.split()
        assert f[5] == "root" and f[6] == "/usr/lib/ztic/ztic-job", x
        assert os.access(os.path.join(root, "usr/lib/ztic/cron", f[-1]), os.X_OK), x


def test_env_init_writes_private_secrets_once(root, work):
    etc = os.path.join(work, "etc-once")
    init = os.path.join(root, "usr/lib/ztic/ztic-env-init")
    env = dict(os.environ, ZT_GROUP=SVC_GROUP or "")
    run([init, etc], env=env)
    first = read_env_file(os.path.join(etc, "env"))
    for f in ("env", "system.env", "migrate.env"):
        assert os.stat(os.path.join(etc, f)).st_mode & 0o777 == 0o600, f
    for k in ("ZT_JWT_KEYS", "ZT_OTP_PEPPER", "ZT_TICKET_MASTER_KEY", "ZT_QUEUE_PASS_KEY"):
        assert len(first[k]) >= 32, k
    # an upgrade: nothing is overwritten, a removed name comes back
    with open(os.path.join(etc, "env"), "a") as f:
        f.write("ZT_LOG_LEVEL_EXTRA='kept'\n")
    set_env_value(os.path.join(etc, "env"), "ZT_PUBLIC_URL", "https://mine.example")
    run([init, etc], env=env)
    second = read_env_file(os.path.join(etc, "env"))
    assert second["ZT_PUBLIC_URL"] == "https://mine.example"
    assert second["ZT_LOG_LEVEL_EXTRA"] == "kept"
    for k in first:
        if k != "ZT_PUBLIC_URL":
            assert second[k] == first[k], k
    # the same file reads the same from sh (cron's ztic-job): set -a; . file
    out = run(["sh", "-c", 'set -a; . "$1"; printf %s "$ZT_JWT_KEYS"', "sh",
               os.path.join(etc, "env")], env={"PATH": "/usr/bin:/bin"}).stdout
    assert out == first["ZT_JWT_KEYS"]


def test_dev_and_production_nginx_come_from_one_source(root):
    """Both templates only include the shared fragments for everything but
    their listen lines, and the rendered site has every location, limit and
    header of the fragments."""
    def includes(name):
        with open(os.path.join(ROOT, "nginx", name)) as f:
            text = f.read()
        return text, re.findall(r"^\s*# @INCLUDE (\S+)\s*$", text, re.M)
    dev, dev_inc = includes("ztic.conf.in")
    site, site_inc = includes("site.conf.in")
    assert sorted(dev_inc) == sorted(site_inc) == \
        ["http.conf.in", "publisher.conf.in", "server.conf.in"]
    # no location, zone or map of their own (the site's port-80 server
    # only redirects and serves ACME challenges)
    for text in (dev, site):
        body = "\n".join(x for x in text.splitlines() if not x.lstrip().startswith("#"))
        assert not re.search(r"\b(limit_req_zone|limit_conn_zone|map|geo|fastcgi_pass|nchan_)\b", body)
    assert re.findall(r"^\s*location\b.*$", dev, re.M) == []
    assert [x.strip() for x in re.findall(r"^\s*location\b.*$", site, re.M)] == [
        "location ^~ /.well-known/acme-challenge/ {", "location / {"]
    # the rendered production site holds every location of the fragments
    with open(os.path.join(root, "etc/nginx/sites-available/ztic")) as f:
        rendered = f.read()
    for frag in ("server.conf.in", "publisher.conf.in", "http.conf.in"):
        with open(os.path.join(ROOT, "nginx", frag)) as f:
            for line in f:
                s = line.strip()
                if re.match(r"^(location|limit_req_zone|limit_req |limit_conn |log_format|map )", s) \
                        and "@" not in s:
                    assert s in rendered, (frag, s)
    hsts = rendered.count("add_header Strict-Transport-Security")
    assert hsts == rendered.count("add_header X-Request-Id $request_id always;"), hsts
    assert "ssl_protocols TLSv1.2 TLSv1.3;" in rendered


# ----------------------------------------------------------- the running --

class Stack:
    def __init__(self, work, root):
        self.work, self.root = work, root
        self.procs = []
        self.http, self.https = free_port(), free_port()
        self.pg_port = free_port()
        self.pgrun = os.path.join(work, "pgrun")
        self.log = os.path.join(work, "log")
        self.etc = self.map("/etc/ztic")

    def map(self, text):
        return PATH_RE.sub(lambda m: self.root + m.group(1), text)

    def dsn(self, user):
        return f"host={self.pgrun} port={self.pg_port} dbname=ztic user={user}"

    # -- the machine's part: PostgreSQL, Redis
    def tmpfiles(self):
        """Apply the package's tmpfiles.d, as systemd-tmpfiles would."""
        with open(os.path.join(self.root, "usr/lib/tmpfiles.d/ztic.conf")) as f:
            for line in f:
                p = line.split()
                if not p or p[0].startswith("#"):
                    continue
                assert p[0] == "d", line
                path = self.map(p[1])
                os.makedirs(path, exist_ok=True)
                if IS_ROOT:
                    user = SVC_USER if p[3] == "ztic" else p[3]
                    group = SVC_GROUP if p[4] == "ztic" else p[4]
                    shutil.chown(path, user, group)
                os.chmod(path, int(p[2], 8))

    def start_pg(self):
        pgdata = os.path.join(self.work, "pg")
        for d in (pgdata, self.pgrun):
            os.makedirs(d, mode=0o700, exist_ok=True)
            if IS_ROOT:
                shutil.chown(d, SVC_USER, SVC_GROUP)
        run(as_svc([f"{PG_BIN}/initdb", "-D", pgdata, "-U", "postgres", "--auth=trust",
                    "--encoding=UTF8", "--locale=C.UTF-8"]))
        with open(os.path.join(pgdata, "postgresql.conf"), "a") as f:
            f.write(f"\nlisten_addresses = ''\nport = {self.pg_port}\n"
                    f"unix_socket_directories = '{self.pgrun}'\nfsync = off\n"
                    "synchronous_commit = off\nmax_connections = 60\n")
        run(as_svc([f"{PG_BIN}/pg_ctl", "-D", pgdata, "-l",
                    os.path.join(self.pgrun, "postgres.log"), "-w", "-t", "60", "start"]),
            cwd="/")
        self.pgdata = pgdata
        # the package's roles and database, as the superuser
        run([f"{PG_BIN}/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d",
             f"host={self.pgrun} port={self.pg_port} dbname=postgres user=postgres",
             "-f", os.path.join(self.root, "usr/share/ztic/bootstrap.psql")])

    def start_redis(self):
        rdir = os.path.join(self.work, "redis")
        os.makedirs(rdir, mode=0o755, exist_ok=True)
        if IS_ROOT:
            shutil.chown(rdir, SVC_USER, SVC_GROUP)
        self.redis_sock = os.path.join(rdir, "redis.sock")
        conf = os.path.join(self.work, "redis.conf")
        with open(conf, "w") as f:
            f.write(f"port 0\nunixsocket {self.redis_sock}\nunixsocketperm 777\n"
                    f"daemonize no\nsave \"\"\nappendonly no\ndir {rdir}\n")
        self.spawn("redis", ["redis-server", conf], as_service=True)
        wait_for(lambda: os.path.exists(self.redis_sock), what="redis")

    # -- the package's part
    def write_env(self):
        env = dict(os.environ, ZT_GROUP=SVC_GROUP or "")
        run([os.path.join(self.root, "usr/lib/ztic/ztic-env-init"), self.etc], env=env)
        e = os.path.join(self.etc, "env")
        # the example's paths, into the scratch root
        with open(e) as f:
            text = self.map(f.read())
        with open(e, "w") as f:
            f.write(text)
        for k, v in (("ZT_PG_DSN", self.dsn("ztic_app")),
                     ("ZT_REDIS", "unix:" + self.redis_sock),
                     ("ZT_PUBLIC_URL", f"https://127.0.0.1:{self.https}"),
                     ("ZT_ENV", "test"),
                     # what step 5 of docs/deploy.md fills in; the free
                     # booking below never calls Razorpay
                     ("ZT_RAZORPAY_KEY_ID", "rzp_test_package"),
                     ("ZT_RAZORPAY_KEY_SECRET", "package_secret"),
                     ("ZT_RAZORPAY_WEBHOOK_SECRET", "package_whsec"),
                     ("ZT_RAZORPAY_BASE_URL", "http://127.0.0.1:9")):
            set_env_value(e, k, v)
        set_env_value(os.path.join(self.etc, "system.env"), "ZT_PG_SYSTEM_DSN",
                      self.dsn("ztic_system"))
        set_env_value(os.path.join(self.etc, "migrate.env"), "ZT_PG_DSN",
                      self.dsn("ztic_owner"))
        self.env = read_env_file(e)

    def migrate(self):
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "ZT_ETC": self.etc,
               "ZT_SQL_DIR": self.map("/usr/share/ztic/sql"),
               "ZT_LIBEXEC": self.map("/usr/lib/ztic"),
               "ZT_MIGRATE_USER": SVC_USER or "root"}
        return run([os.path.join(self.root, "usr/bin/ztic-migrate")], env=env).stdout

    def start_nginx(self):
        key, crt = os.path.join(self.work, "tls.key"), os.path.join(self.work, "tls.crt")
        run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
             "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=localhost",
             "-keyout", key, "-out", crt])
        with open(os.path.join(self.etc, "nginx/tls.conf"), "w") as f:
            f.write(f"server_name _;\nssl_certificate {crt};\nssl_certificate_key {key};\n")
        with open(os.path.join(self.root, "etc/nginx/sites-available/ztic")) as f:
            site = self.map(f.read())
        site = site.replace("/var/log/nginx/ztic-access.log", os.path.join(self.log, "access.log"))
        site = re.sub(r"^\s*listen \[::\]:(80|443).*$", "", site, flags=re.M)
        site = re.sub(r"^(\s*)listen 80;", rf"\1listen 127.0.0.1:{self.http};", site, flags=re.M)
        site = re.sub(r"^(\s*)listen 443 ", rf"\1listen 127.0.0.1:{self.https} ", site, flags=re.M)
        site_path = os.path.join(self.work, "site.conf")
        with open(site_path, "w") as f:
            f.write(site)
        ngx = os.path.join(self.work, "nginx")
        for d in ("body", "fastcgi", "proxy", "scgi", "uwsgi"):
            os.makedirs(os.path.join(ngx, d), exist_ok=True)
            if IS_ROOT:
                shutil.chown(os.path.join(ngx, d), "www-data", "www-data")
        if IS_ROOT:
            os.makedirs("/var/lib/nginx/body", mode=0o700, exist_ok=True)
        # Debian's nginx.conf around the site: the module loader, http {}
        main = os.path.join(self.work, "nginx.conf")
        with open(main, "w") as f:
            f.write(f"""load_module /usr/lib/nginx/modules/ngx_nchan_module.so;
{'user www-data;' if IS_ROOT else ''}
worker_processes 2;
pid {self.work}/nginx.pid;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    client_body_temp_path {ngx}/body;
    fastcgi_temp_path {ngx}/fastcgi;
    proxy_temp_path {ngx}/proxy;
    scgi_temp_path {ngx}/scgi;
    uwsgi_temp_path {ngx}/uwsgi;
    include {site_path};
}}
""")
        err = os.path.join(self.log, "nginx-error.log")
        run(["nginx", "-t", "-q", "-p", ngx, "-c", main, "-e", err])
        self.spawn("nginx", ["nginx", "-p", ngx, "-c", main, "-e", err, "-g", "daemon off;"])
        wait_for(lambda: os.path.exists(self.map("/run/ztic/nchan-pub.sock")),
                 what="nginx's publisher socket")

    def start_units(self):
        """Every ztic-*.service: its ExecStart, environment and user, as
        systemd would run it."""
        self.units = {}
        for path in sorted(glob.glob(os.path.join(self.root, "lib/systemd/system/ztic-*.service"))):
            s = parse_unit(path)
            env = {}
            for item in s.get("Environment", []):
                for kv in shlex.split(item):
                    k, _, v = kv.partition("=")
                    env[k] = v
            for ef in s.get("EnvironmentFile", []):
                optional = ef.startswith("-")
                ef = self.map(ef.lstrip("-"))
                if optional and not os.path.exists(ef):
                    continue
                env.update(read_env_file(ef))
            (cmd,) = s["ExecStart"]
            argv = [self.map(re.sub(r"\$\{(\w+)\}", lambda m: env[m.group(1)], a))
                    for a in shlex.split(cmd)]
            assert s["User"] == ["ztic"]
            name = os.path.basename(path)[:-len(".service")]
            self.units[name] = argv
            self.spawn(name, argv, env=env, as_service=True)
        for name in self.units:
            if name == "ztic-ticker":
                continue
            sock = self.map(f"/run/ztic/{name[len('ztic-'):]}.sock")
            wait_for(lambda s=sock: os.path.exists(s), what=f"{name}'s socket")

    def spawn(self, name, argv, env=None, as_service=False):
        os.makedirs(self.log, exist_ok=True)
        out = open(os.path.join(self.log, name + ".log"), "a")
        env = dict(env or {}, PATH="/usr/sbin:/usr/bin:/sbin:/bin")
        p = subprocess.Popen(as_svc(argv) if as_service else argv, env=env, cwd="/",
                             stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                             start_new_session=True)
        self.procs.append((name, p))
        time.sleep(0.05)
        assert p.poll() is None, f"{name} exited at once: see {self.log}/{name}.log"

    def stop(self):
        for name, p in reversed(self.procs):
            if p.poll() is None:
                try:
                    os.killpg(p.pid, 15)
                except ProcessLookupError:
                    pass
        for name, p in reversed(self.procs):
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, 9)
                p.wait(5)
        if getattr(self, "pgdata", None):
            subprocess.run(as_svc([f"{PG_BIN}/pg_ctl", "-D", self.pgdata, "-m", "fast",
                                   "-w", "stop"]), cwd="/", capture_output=True)

    def url(self, path, https=True):
        return (f"https://127.0.0.1:{self.https}" if https
                else f"http://127.0.0.1:{self.http}") + path


@pytest.fixture(scope="module")
def stack(work, root):
    st = Stack(work, root)
    try:
        st.tmpfiles()
        st.start_pg()
        st.start_redis()
        st.write_env()
        out = st.migrate()
        assert "001_core.sql" in out, out
        st.start_nginx()
        st.start_units()
        wait_for(lambda: requests.get(st.url("/api/health"), verify=False,
                                      timeout=5).status_code == 200,
                 timeout=30, what="GET /api/health")
        yield st
    finally:
        st.stop()


def test_every_pool_keeps_its_workers(stack):
    """A pool gives a worker up when it dies at start (a missing
    setting, lib/zt_pool.h): every pool must still have ZT_POOL_WORKERS
    of them, forked by the responder that the unit starts."""
    time.sleep(1.5)
    for name, p in stack.procs:
        if name.startswith("ztic-") and name != "ztic-ticker":
            assert p.poll() is None, name
            with open(f"/proc/{p.pid}/task/{p.pid}/children") as f:
                kids = f.read().split()
            assert len(kids) == 2, (name, kids, f"see {stack.log}/{name}.log")
    ticker = dict(stack.procs)["ztic-ticker"]
    assert ticker.poll() is None


def test_migrations_ran_and_run_again_as_nothing(stack):
    assert stack.migrate().strip() == ""


def test_health_over_tls_with_hsts(stack):
    r = requests.get(stack.url("/api/health"), verify=False, timeout=10)
    assert r.status_code == 200, r.text
    assert r.headers["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains"
    # the static files and nginx's own JSON errors carry it too
    for path in ("/", "/api/nowhere"):
        r = requests.get(stack.url(path), verify=False, timeout=10)
        assert "Strict-Transport-Security" in r.headers, path
    # TLS 1.2 and 1.3 only
    for version in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
        ctx = ssl.create_default_context()
        ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
        ctx.minimum_version = ctx.maximum_version = version
        with socket.create_connection(("127.0.0.1", stack.https)) as s:
            with ctx.wrap_socket(s) as t:
                assert t.version() == version.name.replace("_", ".").replace("TLSv1.", "TLSv1.")


def test_plain_http_redirects_to_https(stack):
    r = requests.get(stack.url("/api/health?x=1", https=False), allow_redirects=False,
                     timeout=10)
    assert r.status_code == 301
    assert r.headers["Location"] == "https://127.0.0.1/api/health?x=1"


def token(stack, sub):
    kid = stack.env["ZT_JWT_KID"]
    keys = dict(x.split(":", 1) for x in stack.env["ZT_JWT_KEYS"].split(","))
    key = base64.b64decode(keys[kid] + "=" * (-len(keys[kid]) % 4))
    now = int(time.time())
    return jwt({"alg": "HS256", "typ": "JWT", "kid": kid},
               {"iss": "ztic", "aud": "ztic-api", "sub": sub, "iat": now, "exp": now + 600}, key)


def test_a_hold_a_booking_and_a_live_message(stack):
    shop = Shop(stack.dsn("ztic_owner"))
    try:
        t = shop.tenant()
        ev = shop.event(t, seats=3, seat_price=0)
        uid = shop.user()
        auth = {"Authorization": "Bearer " + token(stack, uid)}
        # a subscriber on the event's channel (EventSource through nginx)
        got, ready = [], threading.Event()

        def listen():
            with requests.get(stack.url(f"/live/events/{ev['id']}"), stream=True,
                              verify=False, timeout=20,
                              headers={"Accept": "text/event-stream"}) as r:
                got.append(r.status_code)
                ready.set()
                for line in r.iter_lines(chunk_size=1, decode_unicode=True):
                    if line and line.startswith("data:"):
                        got.append(json.loads(line[5:]))
                        return
        th = threading.Thread(target=listen, daemon=True)
        th.start()
        assert ready.wait(10) and got[0] == 200, got
        time.sleep(0.3)
        seat = ev["seats"][0]
        r = requests.post(stack.url("/api/seats/lock"), json={"eventId": ev["id"],
                          "seatIds": [seat]}, headers=auth, verify=False, timeout=20)
        assert r.status_code == 200, r.text
        assert "Strict-Transport-Security" in r.headers
        th.join(10)
        assert len(got) == 2, got
        assert got[1]["type"] == "seats.held" and got[1]["seats"] == [seat], got
        r = requests.post(stack.url("/api/bookings"), json={"eventId": ev["id"]},
                          headers=auth, verify=False, timeout=20)
        assert r.status_code == 201, r.text
        assert r.json()["status"] == "confirmed"
        st = requests.get(stack.url(f"/api/seats/status/{ev['id']}"), headers=auth,
                          verify=False, timeout=10).json()
        assert seat in st["sold"]
    finally:
        shop.purge()


def test_a_cron_job_runs_through_ztic_job(stack):
    """The jobs of /etc/cron.d/ztic: ztic-job loads the environment files
    and runs the program as the service user."""
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "ZT_ETC": stack.etc,
           "ZT_LIBEXEC": stack.map("/usr/lib/ztic"), "ZT_JOB_USER": SVC_USER or "root"}
    job = os.path.join(stack.root, "usr/lib/ztic/ztic-job")
    r = subprocess.run([job, "ztic-sweep"], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([job, "--system", "ztic-expire"], env=env, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([job, "../../bin/sh"], env=env, capture_output=True, text=True)
    assert r.returncode == 2
