#!/usr/bin/env python3
"""Set up Odoo and PostgreSQL for this addon, then run, test or lint it.

Usage: devenv.py [--series 18.0|19.0] run | test [pytest args...] | lint
       | bench [args...] | peer [odoo addons...] | production [args...]
       | upgrade-check [commit] | pot | wheels

The Odoo series comes from --series, else $ODOO_SERIES, else 18.0; its source
tree, virtualenv and databases are its own.

Everything this script builds lives in a cache outside the checkout
(``$ESG_CACHE_DIR``, default ``${XDG_CACHE_HOME:-~/.cache}/everest_serial_gen``),
so that a fresh clone on the same machine, which is what CI is, reuses it.

Only the standard library is used: this runs before any virtualenv exists.
"""

import ast
import contextlib
import email.parser
import fcntl
import hashlib
import io
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ADDON = "everest_serial_gen"


def discover_addons():
    """The addons of the repository, side by side at its root, the OCA way:
    each directory holding an installable ``__manifest__.py``, the core
    first, then the others by name. {name: manifest}"""
    found = {}
    for path in REPO.glob("*/__manifest__.py"):
        if path.parent.name.startswith((".", "_")):
            continue
        try:
            manifest = ast.literal_eval(path.read_text())
        except (SyntaxError, ValueError) as error:
            sys.exit(f"{path.relative_to(REPO)} is no dict literal: {error}")
        if manifest.get("installable", True):
            found[path.parent.name] = manifest
    return {name: found[name] for name in sorted(found, key=lambda n: (n != ADDON, n))}


MANIFESTS = discover_addons()
# Every addon found there is linted and tested. Those whose name starts with
# test_ are for the tests only (a toy document type): never installed by
# `make run`, never packaged as wheels, no translation template; `make run`,
# the wheels and `make pot` cover the others (ADDONS).
TEST_ADDONS = tuple(MANIFESTS)
ADDONS = tuple(name for name in TEST_ADDONS if not name.startswith("test_"))
# The Odoo series the harness knows; the first is the default.
SERIES = ("18.0", "19.0")
ARCHIVE_URL = "https://nightly.odoo.com/{0}/nightly/src/odoo_{0}.latest.tar.gz"
CACHE = Path(
    os.environ.get("ESG_CACHE_DIR")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / ADDON
)
# Odoo's own pins for Debian 12 do not all install on Python 3.11/3.12 with a
# current pip: these requirements are replaced or left out.
REQUIREMENT_REPLACEMENTS = {"psycopg2": "psycopg2-binary"}
REQUIREMENT_EXCLUDED = {
    # needs OpenLDAP headers to build; only the auth_ldap addon imports it
    "python-ldap",
}
# websocket-client: Odoo's HttpCase drives Chromium with it for the browser
# tours; Odoo lists it in its Debian dependencies, not in requirements.txt.
TEST_TOOLS = ["pytest", "pytest-odoo", "websocket-client==1.8.0"]
# The executables Odoo's HttpCase looks for (odoo/tests/common.py,
# _find_executable), and Debian's package that provides one.
BROWSERS = ["google-chrome", "chromium", "chromium-browser", "google-chrome-stable"]
BROWSER_PACKAGE = "chromium"
# Odoo prints PDF reports (the serial labels) with wkhtmltopdf; without it
# they fall back to HTML.
PDF_PACKAGE = "wkhtmltopdf"
# whool builds an addon's wheel (odoo-addon-<name>) from its manifest
BUILD_TOOLS = ["build", "whool"]
LINT_TOOLS = [
    "ruff==0.6.8",
    "pylint-odoo==9.1.3",
    "oca-odoo-pre-commit-hooks==0.0.33",
]
# OCA's addons that addons of the repository depend on, per series: their
# distributions on the package index, pinned, with every OCA addon they
# depend on in turn (Odoo's own addons come with the source tree). pip
# installs them with --no-deps into CACHE/oca-<series>-<key of the pins>,
# whose odoo/addons is on Odoo's addons path; what they require besides
# Odoo goes into the series' virtualenv, pinned by dev/constraints*.txt.
# The newest of each series, but queue_job on 18.0: from 18.0.1.7.1 on it
# marks methods with odoo.api.private, which Odoo 18.0 gained after the
# 18.0 source tree the harness has (its odoo/api.py has none; 19.0's has).
OCA_ADDONS = {
    "18.0": (
        "odoo-addon-queue-job==18.0.1.7.0.1",
        "odoo-addon-rma==18.0.2.8.4.2",
    ),
    "19.0": (
        "odoo-addon-queue-job==19.0.2.4.0.1",
        "odoo-addon-rma==19.0.1.0.4.2",
    ),
}
# Test files to run in a database of their own with more modules (cmd_test):
# the addons of the repository that the main run installs, the file's own
# addon, and the modules named. A file that needs a module no addon here
# depends on (an Odoo module) runs only there, and is left out of its
# addon's run. A file whose modules are all addons of the repository (an
# OCA bridge: "f'{ADDON}/tests/test_background.py': (f'{ADDON}_queue',)")
# runs both ways: in its addon's run, and again with them.
EXTRA_MODULE_TESTS = {
    f"{ADDON}_fast/tests/test_fast_path_expiry.py": ("product_expiry",),
    # the background both ways: on the scheduled action (the main run) and
    # on the job queue (everest_serial_gen_queue, with queue_job)
    f"{ADDON}/tests/test_background.py": (f"{ADDON}_queue",),
    f"{ADDON}/tests/test_background_moves.py": (f"{ADDON}_queue",),
}
PG_DB_USER = "odoo"  # Odoo refuses to connect as 'postgres'
PG_PRIVATE_PORT = int(os.environ.get("ESG_PGPORT", "54329"))
HTTP_PORT = int(os.environ.get("ESG_HTTP_PORT", "8069"))
# `make run` and `make production` listen on this machine only, unless told
# otherwise (0.0.0.0: every interface)
HTTP_INTERFACE = os.environ.get("ESG_HTTP_INTERFACE") or "127.0.0.1"
# queue_job's runner on `make run`'s server when an addon needs queue_job:
# jobs of two channels at once (queue_job's README, "Configuration")
QUEUE_JOB_CHANNELS = "root:4,root.serial:2"

MISSING_ODOO = """\
No Odoo {series} source found. Set {var} (or ODOO_SOURCE) to the directory of
an Odoo {series} source tree (the one holding odoo-bin), for example
`{var}=~/src/odoo-{series} make test SERIES={series}`. It is copied once into
{cache}, where later runs and fresh clones find it. Downloading {url} failed
too ({reason}).
"""

NOT_INSTALLED = """\
Odoo did not install the addons: it finds one not installable, e.g. because
a manifest's version names another Odoo series (see Odoo's warnings).
"""


class Series:
    """One Odoo series, e.g. 19.0, and everything the harness keys on it."""

    def __init__(self, name):
        if name not in SERIES:
            die(f"Unknown Odoo series {name!r}: use one of {', '.join(SERIES)}.", 64)
        self.name = name
        self.version = tuple(int(n) for n in name.split("."))
        self.slug = name.replace(".", "_")  # 19_0, for names and variables
        self.tree = CACHE / f"odoo-{name}"
        self.url = (
            os.environ.get(f"ODOO_ARCHIVE_URL_{self.slug}")
            or os.environ.get("ODOO_ARCHIVE_URL")
            or ARCHIVE_URL.format(name)
        )
        # `make run`'s database: the default series keeps its historic name
        default_db = ADDON if name == SERIES[0] else f"{ADDON}_{self.slug}"
        self.run_db = os.environ.get("ESG_DB") or default_db
        # Odoo's default server-wide modules (--load); 19.0 serves XML-RPC
        # from its rpc module
        self.server_wide_modules = ("base", "web")
        if self.version >= (19, 0):
            self.server_wide_modules = ("base", "rpc", "web")
        # dev/constraints.txt pins what every series shares; a series' own
        # file, when there is one, pins what only that series requires
        own = REPO / "dev" / f"constraints-{name}.txt"
        self.constraints = [REPO / "dev" / "constraints.txt"]
        self.constraints += [own] if own.is_file() else []
        self.oca_pins = tuple(sorted(OCA_ADDONS.get(name, ())))
        # odoo-addon-queue-job==18.0.1.7.0.1: queue_job
        self.oca_names = tuple(
            pin.partition("==")[0].removeprefix("odoo-addon-").replace("-", "_")
            for pin in self.oca_pins
        )

    def oca_needs(self, *modules):
        """The OCA addons (of ``OCA_ADDONS``) that ``modules`` are or depend
        on, directly or through addons of the repository."""
        needs, seen, todo = set(), set(), list(modules)
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            if name in self.oca_names:
                needs.add(name)
            elif name in MANIFESTS:
                todo += MANIFESTS[name].get("depends", [])
        return needs

    def without_oca(self, addons):
        """``addons`` less those that need an OCA addon: the bridges."""
        return tuple(addon for addon in addons if not self.oca_needs(addon))

    def source_variable(self):
        """ODOO_SOURCE_19_0 when set, else ODOO_SOURCE: (name, value)."""
        for var in (f"ODOO_SOURCE_{self.slug}", "ODOO_SOURCE"):
            if os.environ.get(var):
                return var, os.environ[var]
        return f"ODOO_SOURCE_{self.slug}", None


def say(message):
    print(f"[{ADDON}] {message}", file=sys.stderr, flush=True)


def die(message, code=2):
    print(message.rstrip(), file=sys.stderr, flush=True)
    sys.exit(code)


def run(cmd, check=True, quiet=False, **kwargs):
    if quiet:
        kwargs.setdefault("stdout", subprocess.DEVNULL)
        kwargs.setdefault("stderr", subprocess.DEVNULL)
    return subprocess.run([str(c) for c in cmd], check=check, **kwargs)


def run_job(cmd, **kwargs):
    """Run Odoo or pytest in its own process group. However we leave (its
    end, Ctrl-C, SIGTERM), the group is ended first, Chromium included, so
    that the clean-up after it (drop the database, stop PostgreSQL) runs on
    a quiet server and nothing is left behind."""
    proc = subprocess.Popen([str(c) for c in cmd], start_new_session=True, **kwargs)
    try:
        return subprocess.CompletedProcess(proc.args, proc.wait())
    finally:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=15)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # what it left, e.g. Chromium
        proc.wait()


def _exit_on_signal(signum, _frame):
    """SIGTERM and SIGHUP end us like Ctrl-C does: through the clean-ups."""
    raise SystemExit(128 + signum)


# Odoo source -----------------------------------------------------------------


def odoo_series(path):
    release = Path(path) / "odoo" / "release.py"
    if not (Path(path) / "odoo-bin").is_file() or not release.is_file():
        return None
    match = re.search(r"version_info = \((\d+), (\d+)", release.read_text())
    return match and (int(match[1]), int(match[2]))


def odoo_source(series):
    """Return an Odoo tree of ``series``: ODOO_SOURCE_<series> or ODOO_SOURCE,
    else the cache, else download."""
    cached = series.tree
    var, given = series.source_variable()
    if given:
        path = Path(given).expanduser().resolve()
        found = odoo_series(path)
        if found != series.version:
            what = found and "Odoo %d.%d" % found or "no Odoo source tree"
            die(
                f"{var}={given} is {what}, but Odoo {series.name} was asked for: "
                f"it needs odoo-bin and odoo/release.py with version {series.name}. "
                f"Set ODOO_SOURCE_{series.slug} to an Odoo {series.name} tree "
                "(ODOO_SOURCE applies to every series)."
            )
        if odoo_series(cached) != series.version:
            say(f"copying Odoo from {path} into the cache {cached}")
            _install_tree(
                series,
                lambda tmp: shutil.copytree(
                    path,
                    tmp,
                    symlinks=True,
                    ignore=shutil.ignore_patterns(".git", "__pycache__"),
                ),
            )
        return path
    if odoo_series(cached) == series.version:
        return cached
    say(f"downloading Odoo {series.name} from {series.url}")
    try:
        _install_tree(series, lambda tmp: _download_odoo(series.url, tmp))
    except Exception as error:  # pylint: disable=broad-except
        die(
            MISSING_ODOO.format(
                series=series.name,
                var=f"ODOO_SOURCE_{series.slug}",
                cache=cached,
                url=series.url,
                reason=error,
            )
        )
    return cached


def _install_tree(series, fill):
    """Fill a temporary sibling of the series' cached tree then rename it:
    never half a tree."""
    target = series.tree
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".odoo-", dir=target.parent))
    try:
        shutil.rmtree(tmp)
        fill(tmp)
        if odoo_series(tmp) != series.version:
            raise RuntimeError(f"the tree is not Odoo {series.name}")
        shutil.rmtree(target, ignore_errors=True)
        tmp.rename(target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _download_odoo(url, tmp):
    with urllib.request.urlopen(url, timeout=30) as response:
        with tempfile.TemporaryFile() as archive:
            shutil.copyfileobj(response, archive)
            archive.seek(0)
            with tarfile.open(fileobj=archive) as tar:
                tar.extractall(tmp, filter="data")
    (top,) = Path(tmp).iterdir()  # the archive holds one odoo-19.0.x directory
    for child in top.iterdir():
        child.rename(Path(tmp) / child.name)
    top.rmdir()


# Python ----------------------------------------------------------------------


def odoo_requirements(odoo):
    """Odoo's requirements with versions dropped: dev/constraints*.txt pin them."""
    lines = []
    for raw in (odoo / "requirements.txt").read_text().splitlines():
        line = raw.split("#")[0].strip()
        if not line:
            continue
        requirement, _sep, marker = line.partition(";")
        name = re.split(r"[=<>!~ \[]", requirement.strip())[0]
        if name in REQUIREMENT_EXCLUDED:
            continue
        name = REQUIREMENT_REPLACEMENTS.get(name, name)
        lines.append(f"{name} ; {marker.strip()}" if marker.strip() else name)
    return lines


def virtualenv(name, requirements, constraints=(REPO / "dev" / "constraints.txt",)):
    """Create or reuse ``CACHE/name``, keyed on the requirements and constraints."""
    python = os.environ.get("PYTHON", sys.executable)
    version = run(
        [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    venv = CACHE / f"{name}-py{version}"
    key = hashlib.sha256(
        "\n".join(requirements + [c.read_text() for c in constraints]).encode()
    ).hexdigest()
    stamp = venv / ".esg-requirements"
    works = _python_works(venv / "bin" / "python")
    if works and stamp.is_file() and stamp.read_text() == key:
        return venv / "bin" / "python"
    say(f"installing Python packages into {venv}")
    if not works:  # new, or its interpreter is gone (e.g. a removed pyenv)
        run([python, "-m", "venv", "--clear", venv])
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as reqs:
        reqs.write("\n".join(requirements) + "\n")
        reqs.flush()
        pip = [venv / "bin" / "python", "-m", "pip", "install", "-q"]
        result = run(
            [*pip, "--prefer-binary", "-r", reqs.name]
            + [arg for c in constraints for arg in ("-c", c)],
            check=False,
        )
    if result.returncode:
        die(f"pip could not install the requirements into {venv}.")
    stamp.write_text(key)
    return venv / "bin" / "python"


def _python_works(python):
    try:
        return run([python, "-c", ""], check=False, quiet=True).returncode == 0
    except OSError:
        return False


# PostgreSQL ------------------------------------------------------------------


class Postgres:
    """A PostgreSQL server: the one PG* variables point to, or a private one.

    The private cluster lives in the cache and listens only on its own Unix
    socket and port. Every user of it holds a shared lock; whoever started it
    stops it when the last user leaves, so a server someone else started, or
    one still used by another command, is never stopped.
    """

    def __init__(self):
        self.env = {}
        self.started = False
        self.private = False
        self._lock = None

    # connection settings for odoo.conf
    @property
    def odoo_options(self):
        mapping = {"PGHOST": "db_host", "PGPORT": "db_port", "PGUSER": "db_user"}
        options = {
            option: self.env[var] for var, option in mapping.items() if var in self.env
        }
        if "PGPASSWORD" in self.env:
            options["db_password"] = self.env["PGPASSWORD"]
        return options

    def psql(self, sql, database="postgres", check=True, **variables):
        """Run ``sql``; its ``:'name'`` and ``:"name"`` are psql's quoted
        values of ``variables``, so that no value is formatted into SQL."""
        options = [f"--set={name}={value}" for name, value in variables.items()]
        return run(
            ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", database]
            + options,
            input=sql,
            capture_output=True,
            text=True,
            check=check,
            env={**os.environ, **self.env},
        )

    def __enter__(self):
        if self._given_server_answers():
            say("using the PostgreSQL server given by the PG* variables")
        else:
            self._start_private()
        return self

    def __exit__(self, *exc):
        if self._lock:
            self._release_private()

    def _given_server_answers(self):
        if shutil.which("psql") is None:
            return False
        env = {k: v for k, v in os.environ.items() if k.startswith("PG")}
        if not env:
            return False
        user = env.get("PGUSER") or os.environ.get("USER") or ""
        self.env = env
        answer = self.psql(
            "SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user",
            database=env.get("PGDATABASE", "postgres"),
            check=False,
        )
        if answer.returncode or answer.stdout.strip() != "t":
            say("the PG* variables name no server that answers with createdb rights")
            self.env = {}
            return False
        if user == "postgres":
            say("Odoo refuses the 'postgres' role: using a private cluster instead")
            self.env = {}
            return False
        return True

    @staticmethod
    def _binaries():
        candidates = sorted(
            Path("/usr/lib/postgresql").glob("*/bin"),
            key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
            reverse=True,
        )
        found = [shutil.which("pg_ctl") and Path(shutil.which("pg_ctl")).parent]
        for bindir in [*candidates, *found]:
            if bindir and all((bindir / b).exists() for b in ("initdb", "pg_ctl")):
                return bindir
        die(
            "No PostgreSQL server binaries (initdb, pg_ctl) found. Install Debian's "
            "package postgresql (apt-get install postgresql), or point the PGHOST, "
            "PGPORT and PGUSER variables to a server that answers."
        )

    def _owner(self):
        """PostgreSQL refuses to run as root: as root, run it as 'postgres'."""
        if os.geteuid() != 0:
            return {}
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            die("Running as root needs the 'postgres' system user of Debian's package.")
        return {"user": "postgres", "group": "postgres", "extra_groups": []}

    def _cluster_dir(self, owner):
        base = CACHE / "postgresql"
        if owner and run(["test", "-x", CACHE], check=False, **owner).returncode:
            # root's home is private to root; the system's cache directory is
            # where root keeps the caches that other users must reach
            base = Path("/var/cache") / ADDON / "postgresql"
        base.mkdir(parents=True, exist_ok=True)
        if owner:
            shutil.chown(base, owner["user"], owner["group"])
        return base

    @staticmethod
    def _socket_dir(base):
        """The socket's directory, in the cluster's, unless that path is too
        long for a Unix socket (107 bytes): then a short one in /tmp."""
        sockets = base / "run"
        if len(f"{sockets}/.s.PGSQL.{PG_PRIVATE_PORT}") <= 107:
            return sockets
        digest = hashlib.sha256(str(base).encode()).hexdigest()[:12]
        return Path("/tmp") / f"esg-pg-{os.getuid()}-{digest}"

    @staticmethod
    def _running_address(data):
        """(port, socket directory) of the running server, from postmaster.pid."""
        try:
            lines = (data / "postmaster.pid").read_text().splitlines()
            return lines[3].strip(), lines[4].strip()
        except (OSError, IndexError):
            return None

    def _start_private(self):
        bindir = self._binaries()
        owner = self._owner()
        base = self._cluster_dir(owner)
        data, sockets = base / "data", self._socket_dir(base)
        self.private = True
        self._lock = open(base / "users.lock", "a+")  # noqa: SIM115
        fcntl.flock(self._lock, fcntl.LOCK_SH)
        self._pg_ctl = [bindir / "pg_ctl", "-D", data]
        self._owner_kwargs = owner
        self._started_marker = base / "started-by-devenv"
        self.env = {"PGHOST": str(sockets), "PGPORT": str(PG_PRIVATE_PORT)}
        self.env["PGUSER"] = PG_DB_USER
        if not (data / "PG_VERSION").exists():
            say(f"creating a private PostgreSQL cluster in {data}")
            for path in (data, base / "run"):
                shutil.rmtree(path, ignore_errors=True)
                path.mkdir(mode=0o700)
                if owner:
                    shutil.chown(path, owner["user"], owner["group"])
            run(
                [bindir / "initdb", "-D", data, "-U", PG_DB_USER, "--auth=trust"]
                + ["-E", "UTF8", "--locale=C.UTF-8"],
                quiet=True,
                **owner,
            )
            settings = {
                "listen_addresses": "''",
                "port": PG_PRIVATE_PORT,
                "unix_socket_directories": f"'{sockets}'",
                # a throw-away development cluster: trade durability for speed
                "fsync": "off",
                "synchronous_commit": "off",
                "full_page_writes": "off",
                "max_connections": 200,
            }
            with open(data / "postgresql.auto.conf", "a") as conf:
                conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
        # two commands started at once must not both start the server
        with open(base / "start.lock", "a") as start_lock:
            fcntl.flock(start_lock, fcntl.LOCK_EX)
            self._start_server(base, data, sockets, owner)
        # connect where the server really listens, whoever started it
        address = self._running_address(data)
        if address:
            self.env["PGPORT"], self.env["PGHOST"] = address

    def _start_server(self, base, data, sockets, owner):
        if run([*self._pg_ctl, "status"], check=False, quiet=True, **owner).returncode:
            say("starting the private PostgreSQL cluster")
            sockets.mkdir(mode=0o700, exist_ok=True)
            if owner:
                shutil.chown(sockets, owner["user"], owner["group"])
            if sockets.stat().st_uid != data.stat().st_uid:
                die(f"{sockets} belongs to another user: remove it.")
            self._started_marker.touch()
            # port and socket on the command line: ESG_PGPORT counts at every
            # start, not only when the cluster was created
            options = f"-p {PG_PRIVATE_PORT} -k {shlex.quote(str(sockets))}"
            result = run(
                [*self._pg_ctl, "-w", "-l", base / "server.log", "-o", options]
                + ["start"],
                check=False,
                quiet=True,
                **owner,
            )
            if result.returncode:
                self._started_marker.unlink(missing_ok=True)
                log = base / "server.log"
                tail = "".join(log.read_text().splitlines(True)[-3:])
                die(f"PostgreSQL did not start; see {log}:\n{tail}")
            self.started = True

    def _release_private(self):
        fcntl.flock(self._lock, fcntl.LOCK_UN)
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return  # another command still uses the cluster: it stops it
        if self._started_marker.exists() and not self._other_clients():
            run(
                [*self._pg_ctl, "-m", "fast", "-w", "stop"],
                check=False,
                quiet=True,
                **self._owner_kwargs,
            )
            self._started_marker.unlink(missing_ok=True)
        fcntl.flock(self._lock, fcntl.LOCK_UN)
        self._lock.close()

    def _other_clients(self):
        """Sessions not opened through this script (psql, an odoo-bin started
        by hand) hold no lock: the cluster stays up while there are any."""
        for _attempt in range(5):
            others = self.psql(
                "SELECT count(*) FROM pg_stat_activity WHERE backend_type = "
                "'client backend' AND pid <> pg_backend_pid()",
                check=False,
            )
            if others.returncode or others.stdout.strip() == "0":
                return False
            time.sleep(0.5)  # sessions that just closed may still be listed
        say("other sessions use the private PostgreSQL cluster: it keeps running")
        return True


# Odoo ------------------------------------------------------------------------


def write_config(
    path, odoo, postgres, data_dir, addons_dir=REPO, oca=None, sections=(), **options
):
    """Odoo's configuration file: its addons path has Odoo's addons, the
    repository's (``addons_dir``) and OCA's (``oca``, from oca_tree).
    ``options`` go into [options], ``sections`` ({name: {key: value}}) are
    sections of their own, e.g. [queue_job]."""
    addons = [odoo / "addons", odoo / "odoo" / "addons", addons_dir]
    addons += [oca / "odoo" / "addons"] if oca else []
    values = {
        "addons_path": ",".join(str(p) for p in addons),
        "data_dir": data_dir,
        "admin_passwd": "admin",
        "list_db": "False",
        # demo data in new databases: 18.0 loads it unless told not to, 19.0
        # only when told to; both read this key
        "without_demo": "False",
        **postgres.odoo_options,
        **options,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "[options]\n" + "".join(f"{k} = {v}\n" for k, v in values.items())
    for name, items in dict(sections).items():
        text += f"\n[{name}]\n" + "".join(f"{k} = {v}\n" for k, v in items.items())
    path.write_text(text)
    return path


def odoo_cmd(python, odoo, config, *args):
    return [python, odoo / "odoo-bin", "-c", config, *args]


def module_installed(postgres, database):
    result = postgres.psql(
        "SELECT state FROM ir_module_module WHERE name = :'addon'",
        database=database,
        check=False,
        addon=ADDON,
    )
    return result.returncode == 0 and result.stdout.strip() == "installed"


def modules_installed(postgres, database, modules):
    """Whether every one of ``modules`` is installed in ``database``."""
    result = postgres.psql(
        "SELECT count(*) FROM ir_module_module WHERE state = 'installed' "
        "AND name = ANY(string_to_array(:'names', ','))",
        database=database,
        check=False,
        names=",".join(modules),
    )
    return result.returncode == 0 and result.stdout.strip() == str(len(modules))


def installed_modules(postgres, database, modules):
    """Those of ``modules`` that are installed in ``database``."""
    result = postgres.psql(
        "SELECT name FROM ir_module_module WHERE state = 'installed' "
        "AND name = ANY(string_to_array(:'names', ',')) ORDER BY name",
        database=database,
        names=",".join(modules),
    )
    return result.stdout.split()


def database_series(postgres, database):
    """The Odoo series a database was made with ('18.0'), from base's version."""
    result = postgres.psql(
        "SELECT latest_version FROM ir_module_module WHERE name = 'base'",
        database=database,
        check=False,
    )
    if result.returncode:
        return None
    match = re.match(r"\d+\.\d+", result.stdout.strip())
    return match and match[0]


def database_exists(postgres, database):
    result = postgres.psql(
        "SELECT 1 FROM pg_database WHERE datname = :'name'", name=database
    )
    return result.stdout.strip() == "1"


def drop_database(postgres, database, data_dir):
    postgres.psql(
        'DROP DATABASE IF EXISTS :"name" WITH (FORCE)', check=False, name=database
    )
    shutil.rmtree(Path(data_dir) / "filestore" / database, ignore_errors=True)


def setup(series):
    """The series' Odoo tree, its virtualenv's python and the directory of
    its OCA addons (None when it has none)."""
    odoo = odoo_source(series)
    python = virtualenv(
        f"venv-{series.name}",
        odoo_requirements(odoo) + TEST_TOOLS,
        series.constraints,
    )
    oca = oca_tree(series, python)
    if oca:
        install_requirements(
            python, oca_requirements(oca), series.constraints, "OCA's addons"
        )
    check_depends(series, odoo, oca)
    return odoo, python, oca


def oca_tree(series, python):
    """OCA's addons of the series (``OCA_ADDONS``), installed by pip from
    their wheels into ``CACHE/oca-<series>-<key>``, keyed on the pins: a
    change of pins installs anew. Never half a tree: a temporary sibling is
    filled then renamed. Returns the directory (its odoo/addons holds the
    addons), or None when the series has none."""
    if not series.oca_pins:
        return None
    key = hashlib.sha256("\n".join(series.oca_pins).encode()).hexdigest()[:12]
    target = CACHE / f"oca-{series.name}-{key}"
    if target.is_dir():
        return target
    say(f"installing OCA's {', '.join(series.oca_pins)} into {target}")
    tmp = Path(tempfile.mkdtemp(prefix=f".oca-{series.name}-", dir=CACHE))
    try:
        # the wheels require an odoo distribution, which the source tree
        # is without pip knowing: --no-deps, and their own requirements
        # come from oca_requirements
        result = run(
            [python, "-m", "pip", "install", "-q", "--no-deps"]
            + ["--only-binary=:all:", "--target", tmp, *series.oca_pins],
            check=False,
        )
        if result.returncode:
            die(f"pip could not install {', '.join(series.oca_pins)}.")
        for name in series.oca_names:
            if not (tmp / "odoo" / "addons" / name / "__manifest__.py").is_file():
                die(f"The wheels of {', '.join(series.oca_pins)} hold no {name}.")
        try:
            tmp.rename(target)
        except OSError:
            # another command installed the same pins meanwhile: use that
            if not target.is_dir():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _distribution_name(requirement):
    """'requests>=2 ; python_version < "3.12"' -> 'requests', as pip
    compares names (lower case, runs of -_. as one -)."""
    name = re.split(r"[\s;<>=!~\[(@]", requirement.strip(), maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


def oca_requirements(oca):
    """What OCA's installed wheels require (their Requires-Dist) besides
    Odoo and other OCA addons, which the source tree and ``OCA_ADDONS``
    provide."""
    requirements = set()
    for metadata in sorted(oca.glob("*.dist-info/METADATA")):
        headers = email.parser.HeaderParser().parsestr(metadata.read_text())
        for requirement in headers.get_all("Requires-Dist") or []:
            name = _distribution_name(requirement)
            if name == "odoo" or name.startswith("odoo-addon-"):
                continue
            if re.search(r"\bextra\s*==", requirement):
                continue  # an optional feature's
            requirements.add(requirement.strip())
    return sorted(requirements)


def install_requirements(python, requirements, constraints, what):
    """Install ``requirements`` (of ``what``) into the virtualenv of
    ``python``, each pinned by ``constraints``; keyed on both, apart from
    the virtualenv's own key, which stays as it is."""
    venv = python.parent.parent
    key = hashlib.sha256(
        "\n".join(requirements + [c.read_text() for c in constraints]).encode()
    ).hexdigest()
    stamp = venv / ".esg-oca-requirements"
    if stamp.is_file() and stamp.read_text() == key:
        return
    pinned = {
        _distribution_name(line.split("#")[0])
        for c in constraints
        for line in c.read_text().splitlines()
        if line.split("#")[0].strip()
    }
    unpinned = [r for r in requirements if _distribution_name(r) not in pinned]
    if unpinned:
        die(
            f"{what} require {', '.join(unpinned)}, which "
            f"{', '.join(str(c.relative_to(REPO)) for c in constraints)} "
            "do not pin: add a pin (name==version) there."
        )
    if requirements:
        say(f"installing what {what} require into {venv}: {', '.join(requirements)}")
        with tempfile.NamedTemporaryFile("w", suffix=".txt") as reqs:
            reqs.write("\n".join(requirements) + "\n")
            reqs.flush()
            result = run(
                [python, "-m", "pip", "install", "-q", "--prefer-binary"]
                + ["-r", reqs.name]
                + [arg for c in constraints for arg in ("-c", c)],
                check=False,
            )
        if result.returncode:
            die(f"pip could not install what {what} require into {venv}.")
    stamp.write_text(key)


def check_depends(series, odoo, oca):
    """Every module that an addon of the repository or of OCA depends on is
    found: in Odoo's tree, in the repository, or among OCA's addons. Else
    stop with what to add to ``OCA_ADDONS``, rather than let Odoo fail."""
    roots = [odoo / "addons", odoo / "odoo" / "addons"]
    roots += [oca / "odoo" / "addons"] if oca else []
    known = set(MANIFESTS)
    for root in roots:
        known |= {path.parent.name for path in root.glob("*/__manifest__.py")}
    manifests = dict(MANIFESTS)
    if oca:
        for path in (oca / "odoo" / "addons").glob("*/__manifest__.py"):
            manifests[path.parent.name] = ast.literal_eval(path.read_text())
    for addon, manifest in manifests.items():
        unknown = [d for d in manifest.get("depends", ()) if d not in known]
        if unknown:
            die(
                f"{addon} depends on {', '.join(unknown)}, which neither Odoo "
                f"{series.name} nor the repository nor OCA's addons of "
                "OCA_ADDONS in dev/devenv.py have. An OCA addon: add its "
                "distribution (odoo-addon-<name>==<version>) to OCA_ADDONS, "
                "for each series."
            )


def cmd_run(series, _args):
    ensure_wkhtmltopdf(required=False)
    odoo, python, oca = setup(series)
    with Postgres() as postgres:
        config = run_database(series, postgres, odoo, python, oca, HTTP_PORT)
        say(f"serving {local_url(HTTP_PORT)}  (login admin, password admin)")
        return serve(odoo_cmd(python, odoo, config))


def local_url(port):
    """The URL of `make run`'s server on this machine."""
    host = HTTP_INTERFACE
    if host in ("0.0.0.0", "::"):
        host = "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def run_database(series, postgres, odoo, python, oca, port):
    """`make run`'s database, with every addon (the bridges too, with their
    OCA addons) and their demo data: created, or updated to the checkout;
    returns the configuration file to serve it on ``port``, on
    ``HTTP_INTERFACE``. When an addon needs queue_job, its runner starts
    with the server (server-wide), so that its jobs run."""
    run_db = series.run_db
    data_dir = CACHE / "data"  # filestores are per database
    options, sections = {}, {}
    if "queue_job" in series.oca_needs(*ADDONS):
        modules = [*series.server_wide_modules, "queue_job"]
        options["server_wide_modules"] = ",".join(modules)
        sections["queue_job"] = {"channels": QUEUE_JOB_CHANNELS}
    config = write_config(
        CACHE / f"run-{series.name}" / f"odoo-{port}.conf",
        odoo,
        postgres,
        data_dir,
        oca=oca,
        sections=sections,
        db_name=run_db,
        dbfilter=f"^{run_db}$",
        http_interface=HTTP_INTERFACE,
        http_port=port,
        **options,
    )
    made_with = database_series(postgres, run_db)
    if made_with and made_with != series.name:
        die(
            f"The database {run_db} is an Odoo {made_with} database, not "
            f"{series.name}: it is left alone. Unset ESG_DB or set it to "
            "another name."
        )
    if module_installed(postgres, run_db):
        say(f"reusing database {run_db}; updating the addons (Odoo {series.name})")
        # a database of 1.0 gets the addons that split from it, with its
        # data, from the core's migration
        first = ["-u", ",".join(ADDONS)]
    else:
        if database_exists(postgres, run_db) and not postgres.private:
            die(
                f"The database {run_db} on the server the PG* variables name "
                f"has no {ADDON} installed; it is left alone. Drop it, or set "
                "ESG_DB to another name."
            )
        drop_database(postgres, run_db, data_dir)
        say(f"creating database {run_db} with {', '.join(ADDONS)} and demo data")
        first = ["-i", ",".join(ADDONS)]
    init = run_job(odoo_cmd(python, odoo, config, *first, "--stop-after-init"))
    if init.returncode:
        die(f"Installing {ADDON} failed.", init.returncode)
    # an addon added to the repository since the database was made: -u
    # leaves it alone
    missing = [a for a in ADDONS if not modules_installed(postgres, run_db, [a])]
    if missing and first[0] == "-u":
        say(f"installing {', '.join(missing)} into {run_db}")
        init = run_job(
            odoo_cmd(python, odoo, config, "-i", ",".join(missing))
            + ["--stop-after-init"]
        )
        if init.returncode:
            die(f"Installing {', '.join(missing)} failed.", init.returncode)
    if not modules_installed(postgres, run_db, ADDONS):
        die(NOT_INSTALLED)
    return config


def cmd_production(series, args):
    """bench/production.py on a server run as in production: workers and a
    cron worker (port ESG_PROD_PORT, 8079). By default against `make run`'s
    database, whose jobs run on OCA's job queue when the series has it
    (``--runner queue_job``: queue_job's runner loaded server-wide, its
    channels configured); ``--runner cron`` runs them on the scheduled
    action, in a new database without OCA's addons, dropped at the end."""
    odoo, python, oca = setup(series)
    port = int(os.environ.get("ESG_PROD_PORT", "8079"))
    queue = "queue_job" in series.oca_needs(*ADDONS)
    runner = bench_runner(args)
    if not any(arg.startswith("--runner") for arg in args):
        runner = "queue_job" if queue else "cron"
        args = [*args, "--runner", runner]
    if runner == "queue_job" and not queue:
        die(f"Odoo {series.name} has no queue_job here: use --runner cron.")
    workers = ["--workers=4", "--max-cron-threads=1", "--log-level=warn"]
    with Postgres() as postgres, contextlib.ExitStack() as stack:
        if runner == "queue_job":
            config = run_database(series, postgres, odoo, python, oca, port)
            database = series.run_db
        else:
            database, config = stack.enter_context(
                scratch_database(
                    postgres,
                    odoo,
                    python,
                    oca,
                    f"esg_production_{series.slug}",
                    demo=False,
                    modules=series.without_oca(ADDONS),
                )
            )
            workers += [f"--http-port={port}", f"--http-interface={HTTP_INTERFACE}"]
        server = odoo_cmd(python, odoo, config) + workers
        log = CACHE / f"run-{series.name}" / f"production-{runner}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        check = run_job(
            [sys.executable, REPO / "bench" / "production.py"]
            + ["--server-cmd", json.dumps([str(part) for part in server])]
            + ["--url", local_url(port), "--db", database]
            + ["--log", log, *args],
            cwd=REPO,
        )
        return check.returncode


def serve(cmd):
    """Run Odoo in the foreground until it stops or we are told to stop.

    Odoo runs in its own session, so that a stop request reaches it only
    through us: the first one asks it to shut down, a second one kills it.
    Either way no server is left behind.
    """
    server = subprocess.Popen([str(c) for c in cmd], start_new_session=True)
    requests = []

    def forward(_signum, _frame):
        requests.append(True)
        # SIGTERM, which Odoo treats as SIGINT: a background job inherits
        # SIGINT ignored, and Odoo sets its handler only once started
        server.send_signal(signal.SIGTERM if len(requests) == 1 else signal.SIGKILL)

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, forward)
    try:
        return server.wait()
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


@contextlib.contextmanager
def scratch_database(
    postgres,
    odoo,
    python,
    oca,
    prefix,
    demo=True,
    modules=ADDONS,
    addons_dir=REPO,
):
    """A new, uniquely named database with ``modules`` installed from
    ``addons_dir``; dropped at the end, with its filestore. ``prefix`` names
    the series too."""
    database = f"{prefix}_{time.strftime('%Y%m%d_%H%M%S')}_{os.getpid()}"
    data_dir = Path(tempfile.mkdtemp(prefix=f"{prefix}-", dir=CACHE))
    config = write_config(
        data_dir / "odoo.conf",
        odoo,
        postgres,
        data_dir,
        db_name=database,
        dbfilter=f"^{database}$",
        http_port=0,
        addons_dir=addons_dir,
        oca=oca,
        **({} if demo else {"without_demo": "True"}),
    )
    try:
        say(f"installing {', '.join(modules)} into a new database {database}")
        started = time.monotonic()
        init = run_job(
            odoo_cmd(python, odoo, config, "-i", ",".join(modules))
            + ["--stop-after-init", "--log-level=error"],
        )
        if init.returncode:
            die(f"Installing {', '.join(modules)} failed.", init.returncode)
        if not modules_installed(postgres, database, modules):
            # Odoo only logs a warning, e.g. for a manifest version of
            # another series, which makes the addon uninstallable
            die(NOT_INSTALLED)
        say(f"installed in {time.monotonic() - started:.0f} s")
        yield database, config
    finally:
        drop_database(postgres, database, data_dir)
        shutil.rmtree(data_dir, ignore_errors=True)


def python_env(postgres, odoo):
    env = {**os.environ, **postgres.env, "PYTHONPATH": str(odoo)}
    env.pop("ODOO_RC", None)
    return env


def ensure_browser():
    """The browser tours need Chromium: install Debian's package when root,
    otherwise stop. Odoo would skip the tours without a browser, and a CI
    must never go green with its browser tests skipped."""
    if any(shutil.which(name) for name in BROWSERS):
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        die(
            f"The browser tests need Chromium, which is not installed. Install "
            f"Debian's package {BROWSER_PACKAGE} (apt-get install "
            f"{BROWSER_PACKAGE}), or put google-chrome or chromium on the PATH."
        )
    say(f"installing Debian's package {BROWSER_PACKAGE} for the browser tests")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for step in (
        ["apt-get", "update", "-q"],
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", BROWSER_PACKAGE],
    ):
        result = run(step, check=False, capture_output=True, text=True, env=env)
        if result.returncode:
            output = (result.stdout + result.stderr)[-4000:]
            die(
                f"{' '.join(step)} failed; the browser tests need Debian's "
                f"package {BROWSER_PACKAGE}:\n{output}"
            )
    if not any(shutil.which(name) for name in BROWSERS):
        die(f"Installing {BROWSER_PACKAGE} brought no chromium executable.")


def ensure_wkhtmltopdf(required=True):
    """Odoo prints the serial labels as PDF with wkhtmltopdf: install
    Debian's package when root. ``make test`` needs it (a test checks the
    PDF); ``make run`` only warns that labels fall back to HTML."""
    if shutil.which(PDF_PACKAGE):
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        message = (
            f"Odoo prints PDF labels with {PDF_PACKAGE}, which is not installed. "
            f"Install Debian's package (apt-get install {PDF_PACKAGE})."
        )
        if required:
            die(message)
        say(message + " Labels print as HTML meanwhile.")
        return
    say(f"installing Debian's package {PDF_PACKAGE} for PDF reports")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for step in (
        ["apt-get", "update", "-q"],
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", PDF_PACKAGE],
    ):
        result = run(step, check=False, capture_output=True, text=True, env=env)
        if result.returncode:
            output = (result.stdout + result.stderr)[-4000:]
            (die if required else say)(
                f"{' '.join(step)} failed; PDF reports need Debian's package "
                f"{PDF_PACKAGE}:\n{output}"
            )
            return
    if not shutil.which(PDF_PACKAGE) and required:
        die(f"Installing {PDF_PACKAGE} brought no {PDF_PACKAGE} executable.")


def cmd_test(series, args):
    """The tests (``test_runs``), each run in a new database with its
    modules and their demo data; the main run last, so that its summary is
    the last line. Fails when any run fails."""
    ensure_browser()
    ensure_wkhtmltopdf()
    odoo, python, oca = setup(series)
    prefix = f"esg_test_{series.slug}"
    results = []
    with Postgres() as postgres:
        for paths, modules in test_runs(series, args):
            with scratch_database(
                postgres, odoo, python, oca, prefix, modules=modules
            ) as (database, config):
                if not series.oca_needs(*modules):
                    # no bridge by accident, e.g. an auto_install one
                    bridges = [a for a in TEST_ADDONS if series.oca_needs(a)]
                    strays = installed_modules(
                        postgres, database, [*series.oca_names, *bridges]
                    )
                    if strays:
                        say(f"{database} has {', '.join(strays)}, asked for none")
                        results.append(1)
                        continue
                    if series.oca_names:
                        not_here = ", ".join([*series.oca_names, *bridges])
                        say(f"{database} has none of {not_here}, as asked")
                if not paths:
                    say(f"{', '.join(modules)}: installed; no tests/ to run")
                    results.append(0)
                    continue
                tests = run_job(
                    [python, "-m", "pytest", "-p", "no:cacheprovider"]
                    # an HTTP server for the browser tours (HttpCase)
                    + ["--odoo-http"]
                    + [f"--odoo-config={config}", f"--odoo-database={database}"]
                    + [str(path) for path in paths],
                    cwd=REPO,
                    env=python_env(postgres, odoo),
                )
                results.append(tests.returncode)
    return max(results)


def _unique(names):
    return tuple(dict.fromkeys(names))


def _owner(path):
    """The addon of the repository that holds ``path`` (relative to the
    repository or absolute; pytest's ``::`` node suffix allowed), or None."""
    path = Path(str(path).split("::")[0])
    try:
        parts = (REPO / path).resolve().relative_to(REPO).parts
    except ValueError:
        return None
    return parts[0] if parts and parts[0] in MANIFESTS else None


def test_runs(series, args):
    """What ``make test`` runs: [(pytest arguments, modules to install)].

    Without ``args``, one run per addon that needs an OCA addon (a bridge:
    its own tests/, in a database with it and what it depends on), then one
    per file of ``EXTRA_MODULE_TESTS``, then the main run: the tests of
    every other addon, in a database with those addons only (so neither
    OCA's addons nor a bridge). With ``args`` (pytest's), one run in the
    database their paths call for: the main run's, a bridge's, or an
    ``EXTRA_MODULE_TESTS`` file's own (when it is left out of the main
    run); the union when they name several. Options alone (``-k name``)
    select among the main run's tests, in its database."""
    main = series.without_oca(TEST_ADDONS)
    # the file's own database: the main run's addons (no test addon), its
    # own addon (a bridge, a test addon), the modules named
    extra = {
        path: _unique(
            [*series.without_oca(ADDONS), *filter(None, [_owner(path)]), *more]
        )
        for path, more in EXTRA_MODULE_TESTS.items()
    }
    # those that need a module no addon here is: left out of their addon's run
    alone = [
        path
        for path, more in EXTRA_MODULE_TESTS.items()
        if not all(module in MANIFESTS for module in more)
    ]

    def tests(addon):
        folder = REPO / addon / "tests"
        if not folder.is_dir():
            return []
        ignored = [path for path in alone if _owner(path) == addon]
        return [folder, *(f"--ignore={REPO / path}" for path in ignored)]

    main_tests = [arg for addon in main for arg in tests(addon)]
    if args:
        modules, paths = [], False
        for arg in args:
            path = arg.split("::")[0]
            if arg.startswith("-") or not (REPO / path).exists():
                continue
            paths = True
            owner = _owner(path)
            relative = owner and (REPO / path).resolve().relative_to(REPO).as_posix()
            if relative in alone:
                modules += extra[relative]
            elif owner and series.oca_needs(owner):
                modules.append(owner)
            else:
                modules += main
        if not paths:  # options only (-k ...): the main run's tests
            return [([*args, *main_tests], main)]
        return [(args, _unique(modules))]
    bridges = [addon for addon in TEST_ADDONS if series.oca_needs(addon)]
    runs = [(tests(addon), (addon,)) for addon in bridges]
    runs += [([REPO / path], modules) for path, modules in extra.items()]
    return [*runs, (main_tests, main)]


# Odoo's own suites that the addon must leave passing (README, "Odoo's own
# suites"): run in a database with the addon, without demo data, as Odoo's
# own runbot runs them.
PEER_SUITES = ("sale_stock", "stock_account", "stock")


def cmd_peer(series, args):
    """Odoo's own test suites (``PEER_SUITES``, or the addons named in
    ``args``) in a new database with the addon installed."""
    odoo, python, oca = setup(series)
    suites = args or PEER_SUITES
    prefix = f"esg_peer_{series.slug}"
    results, summaries = [], []
    with Postgres() as postgres:
        with scratch_database(
            postgres,
            odoo,
            python,
            oca,
            prefix,
            demo=False,
            # Odoo's suites with the addons as installed by default: no OCA
            modules=series.without_oca(ADDONS),
        ) as (database, config):
            for suite in suites:
                log = Path(config).parent / f"{suite}.log"
                with open(log, "w") as output:
                    tests = run_job(
                        [python, "-m", "pytest", "-p", "no:cacheprovider", "-q"]
                        + [f"--odoo-config={config}", f"--odoo-database={database}"]
                        + [str(odoo / "addons" / suite / "tests")],
                        cwd=odoo,
                        env=python_env(postgres, odoo),
                        stdout=output,
                        stderr=subprocess.STDOUT,
                    )
                lines = log.read_text().splitlines()
                failed = [line for line in lines if line.startswith("FAILED")]
                summaries.append(f"{suite}: {lines[-1] if lines else 'no output'}")
                summaries += [f"  {line}" for line in failed]
                results.append(tests.returncode)
    for line in summaries:
        print(line, flush=True)
    return max(results)


def bench_runner(args):
    """The background runner that bench's arguments name (``--runner NAME``
    or ``--runner=NAME``); the scheduled action's (cron) by default."""
    runner = "cron"
    for index, arg in enumerate(args):
        if arg == "--runner" and index + 1 < len(args):
            runner = args[index + 1]
        elif arg.startswith("--runner="):
            runner = arg.partition("=")[2]
    return runner


def cmd_bench(series, args):
    """Time Odoo's own serial generation against the addon's: bench/README.md.
    The addons are installed without OCA's, unless ``--runner queue_job``
    asks for the job queue: then with its bridge (everest_serial_gen_queue)
    and queue_job, from OCA's addons path."""
    odoo, python, oca = setup(series)
    prefix = f"esg_bench_{series.slug}"
    modules = series.without_oca(ADDONS)
    if bench_runner(args) == "queue_job":
        bridge = f"{ADDON}_queue"
        if "queue_job" not in series.oca_needs(bridge):
            die(f"{bridge} needs no queue_job on Odoo {series.name}: nothing to bench.")
        modules = (*modules, bridge)
    with Postgres() as postgres:
        with scratch_database(
            postgres,
            odoo,
            python,
            oca,
            prefix,
            demo=False,
            modules=modules,
        ) as (database, config):
            bench = run_job(
                [python, REPO / "bench" / "bench_generate.py"]
                + ["--config", config, "--database", database, *args],
                cwd=REPO,
                env=python_env(postgres, odoo),
            )
            return bench.returncode


def cmd_overhead(series, args):
    """Odoo's own stock flows (bench/bench_odoo_flows.py) in a database
    without the addons and in one with them, as installed by default; the
    ratio of each flow's time."""
    odoo, python, oca = setup(series)
    outputs = {}
    with Postgres() as postgres:
        for label, modules in (
            ("without", ("sale_stock",)),
            ("with", ("sale_stock", *series.without_oca(ADDONS))),
        ):
            prefix = f"esg_overhead_{series.slug}"
            with scratch_database(
                postgres, odoo, python, oca, prefix, demo=False, modules=modules
            ) as (database, config):
                log = Path(config).parent / "overhead.log"
                with open(log, "w") as output:
                    bench = run_job(
                        [python, REPO / "bench" / "bench_odoo_flows.py"]
                        + ["--config", config, "--database", database, *args],
                        cwd=REPO,
                        env=python_env(postgres, odoo),
                        stdout=output,
                    )
                text = log.read_text()
                print(text, flush=True)
                if bench.returncode:
                    return bench.returncode
                # "flow receipt      200 units    1.234 s"
                outputs[label] = {
                    line.split()[1]: float(line.split()[4])
                    for line in text.splitlines()
                    if line.startswith("flow ")
                }
    print(f"Odoo's own flows on {series.name}, with the addons / without:")
    for flow, without in outputs["without"].items():
        ratio = outputs["with"][flow] / without if without else float("nan")
        print(
            f"  {flow:<10} {without:7.3f} s -> {outputs['with'][flow]:7.3f} s"
            f"  {ratio:.2f}x"
        )
    return 0


# The release that databases in production have: what `make upgrade-check`
# upgrades from (1.0.0, one addon).
PREVIOUS_RELEASE = "41b9b9a"


def cmd_upgrade_check(series, args):
    """Install the previous release (``PREVIOUS_RELEASE``, or the commit in
    ``args``) with its demo data, upgrade it to the checkout and compare
    what a user sees: dev/upgrade_check.py."""
    odoo, python, oca = setup(series)
    ref = args[0] if args else PREVIOUS_RELEASE
    previous = Path(tempfile.mkdtemp(prefix="previous-release-", dir=CACHE))
    archive = run(["git", "-C", REPO, "archive", ref, ADDON], capture_output=True)
    tarfile.open(fileobj=io.BytesIO(archive.stdout)).extractall(previous)
    check = [python, REPO / "dev" / "upgrade_check.py"]
    prefix = f"esg_upgrade_{series.slug}"
    try:
        with Postgres() as postgres:
            env = python_env(postgres, odoo)
            with scratch_database(
                postgres,
                odoo,
                python,
                oca,
                prefix,
                modules=(ADDON, "sale_stock"),
                addons_dir=previous,
            ) as (database, old_config):
                data_dir = Path(old_config).parent
                snapshot = data_dir / "before.json"
                config = write_config(
                    data_dir / "upgraded.conf",
                    odoo,
                    postgres,
                    data_dir,
                    oca=oca,
                    db_name=database,
                    http_port=0,
                )
                steps = [
                    check + ["prepare", "--config", old_config],
                    odoo_cmd(python, odoo, config, "-u", ADDON)
                    + ["--stop-after-init", "--log-level=warn"],
                    check + ["verify", "--config", config],
                ]
                for step in steps:
                    if step[:2] == check[:2]:
                        step += ["--database", database, "--snapshot", snapshot]
                    result = run_job(step, cwd=REPO, env=env)
                    if result.returncode:
                        return result.returncode
                return 0
    finally:
        shutil.rmtree(previous, ignore_errors=True)


def cmd_pot(series, _args):
    """Export each addon's translation template with Odoo's own exporter."""
    odoo, python, oca = setup(series)
    prefix = f"esg_pot_{series.slug}"
    results = []
    with Postgres() as postgres:
        # every addon, the bridges with their OCA addons
        with scratch_database(
            postgres, odoo, python, oca, prefix, demo=False, modules=ADDONS
        ) as (database, config):
            for addon in ADDONS:
                pot = REPO / addon / "i18n" / f"{addon}.pot"
                pot.parent.mkdir(exist_ok=True)
                export = run_job(
                    odoo_cmd(python, odoo, config, "-d", database)
                    + [f"--i18n-export={pot}", f"--modules={addon}"]
                    + ["--stop-after-init", "--log-level=error"]
                )
                if not export.returncode:
                    say(f"exported {pot.relative_to(REPO)}")
                results.append(export.returncode)
    return max(results)


def cmd_lint(_series, _args):
    python = virtualenv("venv-lint", LINT_TOOLS)
    bindir = python.parent
    addons = [str(REPO / addon) for addon in TEST_ADDONS]
    checks = [
        [bindir / "ruff", "check", "--no-fix", REPO],
        [bindir / "ruff", "format", "--check", REPO],
        [bindir / "pylint", "--rcfile", REPO / ".pylintrc-mandatory", *addons],
        [bindir / "oca-checks-odoo-module"]
        + [REPO / addon / "__manifest__.py" for addon in TEST_ADDONS],
    ]
    failed = [c for c in checks if run(c, check=False, cwd=REPO).returncode]
    for check in failed:
        say(f"failed: {' '.join(str(c) for c in check)}")
    if not failed:
        say("lint: all checks passed")
    return 1 if failed else 0


def cmd_wheels(_series, _args):
    """One wheel per addon and Odoo series into dist/:
    odoo-addon-everest_serial_gen <series>.1.1.0, requiring that series of
    Odoo (and of the core, for the other two).

    The manifest's version names no series ("1.0.0", which Odoo prefixes
    with its own), while whool takes the series, hence the wheel's version
    and its requirement on Odoo, from the manifest's version. Each wheel is
    built from the committed addon (git archive) with its manifest's version
    prefixed by the series, as Odoo's adapt_version does."""
    python = virtualenv("venv-build", BUILD_TOOLS)
    dist = REPO / "dist"
    dist.mkdir(exist_ok=True)
    # built from the commit: an addon directory not committed yet is left out
    committed = run(
        ["git", "ls-tree", "--name-only", "HEAD"],
        cwd=REPO,
        capture_output=True,
        text=True,
    ).stdout.split()
    addons = [addon for addon in ADDONS if addon in committed]
    for addon in sorted(set(ADDONS) - set(addons)):
        say(f"{addon} is not committed: no wheel")
    archive = run(
        ["git", "archive", "--format=tar", "HEAD", *addons],
        cwd=REPO,
        capture_output=True,
    ).stdout
    for series in SERIES:
        with tempfile.TemporaryDirectory(prefix="esg-wheel-") as tmp:
            with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
                tar.extractall(tmp, filter="data")
            for addon in addons:
                manifest = Path(tmp) / addon / "__manifest__.py"
                text, count = re.subn(
                    r'("version":\s*")(\d+\.\d+\.\d+")',
                    rf"\g<1>{series}.\g<2>",
                    manifest.read_text(),
                )
                if count != 1:
                    die(f"{addon}/__manifest__.py has no series-less version x.y.z.")
                manifest.write_text(text)
                say(f"building the wheel of {addon} for Odoo {series}")
                result = run(
                    [python, "-m", "build", "--wheel", "--no-isolation"]
                    + ["--outdir", dist, Path(tmp) / addon],
                    check=False,
                    capture_output=True,  # whool's git, outside a checkout
                    text=True,
                )
                if result.returncode:
                    output = (result.stdout + result.stderr)[-4000:]
                    die(
                        f"Building the wheel of {addon} for Odoo {series} failed:"
                        f"\n{output}"
                    )
    for wheel in sorted(dist.glob("*.whl")):
        say(f"built {wheel.relative_to(REPO)}")
    return 0


def main(argv):
    commands = {
        "run": cmd_run,
        "test": cmd_test,
        "lint": cmd_lint,
        "bench": cmd_bench,
        "overhead": cmd_overhead,
        "peer": cmd_peer,
        "production": cmd_production,
        "upgrade-check": cmd_upgrade_check,
        "pot": cmd_pot,
        "wheels": cmd_wheels,
    }
    usage = "\n".join(__doc__.strip().splitlines()[2:4])
    series = os.environ.get("ODOO_SERIES") or SERIES[0]
    if argv[:1] == ["--series"] and len(argv) > 1:
        series, argv = argv[1], argv[2:]
    elif argv[:1] and argv[0].startswith("--series="):
        series, argv = argv[0].partition("=")[2], argv[1:]
    if not argv or argv[0] not in commands:
        die(usage, 64)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _exit_on_signal)
    CACHE.mkdir(parents=True, exist_ok=True)
    return commands[argv[0]](Series(series), argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
