"""Rehearses a replication guide's server sections (```` ```sh server ```` blocks) as root.

The guide's ``sh`` blocks run in a working folder (tests/test_guide_runs.py); its ``sh server``
blocks are what a region's IT officer types as root on the live server: a system user, the core
in /srv, the settings in /etc, the systemd unit, nginx with TLS, cron lines, backups, upgrade,
rollback, a restore drill. This module turns them into one bash script that runs every one of
them, in the guide's order, inside private copies of the server's folders (an overlay over /etc,
/srv, /usr/local, /var/backups, /var/log and /var/lib/nginx in a mount and PID namespace of its
own), so the machine running the test keeps nothing of it.

What cannot be the same here is replaced, each replacement listed in :data:`SUBSTITUTIONS` or
:data:`STAND_INS` with its reason; nothing else of a block is changed. Blocks whose first lines
name a file (``# /etc/cron.d/...``, ``# /usr/local/bin/eplanning: ...``, the ``ini`` unit, the
``nginx`` site) are written to that file, as the reader would with an editor; the lines of a
cron file are run once, as its user, after the last block (a night having passed).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from .guide_runner import blocks

#: Folders the rehearsal writes through an overlay (the machine's own stay untouched).
OVERLAID = ("/etc", "/srv", "/usr/local", "/var/backups", "/var/log", "/var/lib/nginx")
#: The languages of blocks that are a file's content when their first lines name the file.
FILE_LANGUAGES = ("sh", "ini", "nginx")
FILE_NAMED = re.compile(r"^# (/[\w./-]+)(?:$|[\s:(])")
SERVICE_PORT = 8000


@dataclass(frozen=True)
class Substitution:
    literal: str
    replacement: str
    reason: str


SUBSTITUTIONS = (
    Substitution("https://git.bukittinggikota.go.id/diskominfo/eplanning-bukittinggi.git",
                 "/srv/git/eplanning-bukittinggi.git",
                 "the region's own git server: a bare clone of the project baked for the test"),
    Substitution("pip install -U 'eplanning-core[postgres]>=0.4.0,<1'",
                 "pip install --find-links /srv/paket -U 'eplanning-core[postgres]>=0.4.0,<1'",
                 "no package index has eplanning-core: the folder of release files stands in for "
                 "the region's private index"),
    Substitution("eplanning-2026-11-22.sqlite", "eplanning-$(date +%F).sqlite",
                 "4.2 checks the SQLite backup its first line just made: today's"),
    Substitution("2026-11-22", "$(date -d yesterday +%F)",
                 "the date of the backup the reader restores: the one taken before the upgrade "
                 "(3.1), dated the day before in the rehearsal, so that 4.1's backup of today is "
                 "a second file, as on a real server"),
    Substitution("tail -f ", "tail ", "following a log never ends: read it once"),
)

#: Commands replaced by a small script of the same name, and why.
STAND_INS = {
    "systemctl": "no systemd runs as PID 1 in a container: the stand-in verifies units with the "
                 "real `systemd-analyze verify` and starts the unit's ExecStart as its User and "
                 "Group, in its WorkingDirectory, with its EnvironmentFile and UMask; nginx it "
                 "starts and reloads with nginx's own signals",
    "journalctl": "no journald: the stand-in prints what the unit's process wrote",
}

SYSTEMCTL = r"""#!/bin/bash
# Stand-in for systemctl in the rehearsal (tests/support/server_rehearsal.py says why).
set -euo pipefail
state=/var/log/standin; mkdir -p "$state"
unit_file() { echo "/etc/systemd/system/${1%.service}.service"; }
key() { sed -n "s/^$2=//p" "$(unit_file "$1")" | tail -n 1; }
alive() { [ -f "$state/$1.pid" ] && kill -0 "$(cat "$state/$1.pid")" 2>/dev/null; }
start() {
    local unit="${1%.service}"
    if [ "$unit" = nginx ]; then pgrep -x nginx >/dev/null || nginx; return; fi
    alive "$unit" && return 0
    local user group dir envfile exec mask
    user=$(key "$unit" User); group=$(key "$unit" Group); dir=$(key "$unit" WorkingDirectory)
    envfile=$(key "$unit" EnvironmentFile); exec=$(key "$unit" ExecStart); mask=$(key "$unit" UMask)
    setsid runuser -u "$user" -g "$group" -- env -i PATH=/usr/local/bin:/usr/bin:/bin \
        bash -c 'set -a; . "$1"; set +a; cd "$2"; umask "$3"; eval "exec $4"' standin \
        "$envfile" "$dir" "${mask:-0022}" "$exec" >>"$state/$unit.log" 2>&1 &
    echo $! > "$state/$unit.pid"
}
stop() {
    local unit="${1%.service}"
    if [ "$unit" = nginx ]; then nginx -s quit 2>/dev/null || true; return; fi
    if alive "$unit"; then
        local pid; pid=$(cat "$state/$unit.pid"); kill -TERM -- -"$pid" 2>/dev/null || kill -TERM "$pid"
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$state/$unit.pid"
}
command=$1; shift
case "$command" in
    daemon-reload)
        for unit in /etc/systemd/system/*.service; do systemd-analyze verify "$unit"; done ;;
    enable) [ "${1:-}" = --now ] && { shift; for u in "$@"; do start "$u"; done; } ;;
    start) for u in "$@"; do start "$u"; done ;;
    stop) for u in "$@"; do stop "$u"; done ;;
    restart) for u in "$@"; do stop "$u"; start "$u"; done ;;
    reload)
        for u in "$@"; do
            if [ "${u%.service}" = nginx ]; then nginx -s reload; else kill -HUP "$(cat "$state/${u%.service}.pid")"; fi
        done ;;
    status|is-active)
        code=0
        for u in "$@"; do
            u=${u%.service}
            if { [ "$u" = nginx ] && pgrep -x nginx >/dev/null; } || alive "$u"; then echo active
            else echo inactive; code=3; fi
        done
        exit $code ;;
    *) echo "systemctl stand-in: $command is not rehearsed" >&2; exit 1 ;;
esac
"""

JOURNALCTL = r"""#!/bin/bash
# Stand-in for journalctl in the rehearsal: the unit's output (-f, --since, -p are ignored).
unit=""
while [ $# -gt 0 ]; do case "$1" in -u) unit=${2%.service}; shift 2 ;; *) shift ;; esac; done
cat "/var/log/standin/$unit.log"
"""


@dataclass(frozen=True)
class Step:
    line: int
    kind: str  # "run" or "file"
    text: str
    path: str | None = None


def _named_file(text: str) -> str | None:
    for line in text.splitlines()[:2]:
        match = FILE_NAMED.match(line)
        if match:
            return match.group(1)
    return None


def steps(markdown: str) -> list[Step]:
    """The guide's server blocks in order: files to write and commands to run."""
    out = []
    for block in blocks(markdown):
        is_server = block.language == "sh" and block.tag == "server"
        path = _named_file(block.text) if block.language in FILE_LANGUAGES else None
        if path and (is_server or block.language in ("ini", "nginx")):
            out.append(Step(block.line, "file", block.text, path))
        elif is_server:
            out.append(Step(block.line, "run", block.text))
    return out


def substitute(text: str) -> str:
    for item in SUBSTITUTIONS:
        text = text.replace(item.literal, item.replacement)
    return text


def cron_lines(text: str) -> list[tuple[str, str]]:
    """(user, command) of each line of a cron.d file, ``\\%`` back to ``%`` as cron does."""
    out = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.split(None, 6)
        out.append((fields[5], fields[6].replace("\\%", "%")))
    return out


def _section_starts(markdown: str) -> dict[str, int]:
    return {m.group(1): markdown[:m.start()].count("\n") + 1
            for m in re.finditer(r"^### (\d+\.\d+) ", markdown, re.M)}


def prerequisites_of_upgrade(markdown: str) -> str:
    """Section 3.1's list, steps 2 and 3 (the versions noted, the backup taken), as commands:
    the pip freeze line it quotes and the first lines of 4.1 and 4.3 it points to."""
    freeze = re.search(r"`(sudo -u eplanning /srv/eplanning/venv/bin/pip freeze > [^`]+)`", markdown)
    assert freeze, "section 3.1 no longer quotes the pip freeze line"
    starts = _section_starts(markdown)
    server_runs = [s for s in steps(markdown) if s.kind == "run"]
    backup = next(s for s in server_runs if s.line > starts["4.1"])
    instance = next(s for s in server_runs if s.line > starts["4.3"])
    return "\n".join([freeze.group(1), backup.text.splitlines()[0], instance.text.splitlines()[0]])


def script(markdown: str, *, wheel: Path, project_repo: Path, work: Path) -> str:
    """The bash script of the rehearsal, to run as root under ``unshare --mount --pid --fork``."""
    all_steps = steps(markdown)
    starts = _section_starts(markdown)
    upgrade_line = starts["3.2"]
    sqlite_line = starts["4.2"]
    hosts = sorted(set(re.findall(r"server_name ([\w.-]+);", markdown)))
    q = shlex.quote
    lines = [
        "set -euo pipefail",
        "export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "trap 'echo \"REHEARSAL FAILED in the block of line $GUIDE_LINE (exit $?)\" >&2' ERR",
        "GUIDE_LINE=0",
        "mount --make-rprivate /",
    ]
    for folder in OVERLAID:
        name = folder.strip("/").replace("/", "-")
        upper, lower_work = work / "overlay" / name / "upper", work / "overlay" / name / "work"
        lines += [f"mkdir -p {folder} {q(str(upper))} {q(str(lower_work))}",
                  f"mount -t overlay overlay -o lowerdir={folder},upperdir={q(str(upper))},"
                  f"workdir={q(str(lower_work))} {folder}"]
    lines += [
        "# Before section 1.13: what the team has by then (its git server, the release file, the",
        "# host name in DNS with a certificate), and the stand-ins",
        "mkdir -p /srv/git /srv/paket /usr/local/sbin",
        f"git clone --quiet --bare {q(str(project_repo))} /srv/git/eplanning-bukittinggi.git",
        f"cp {q(str(wheel))} /srv/paket/",
        f"cat > /usr/local/sbin/systemctl <<'STANDIN'\n{SYSTEMCTL}STANDIN",
        f"cat > /usr/local/sbin/journalctl <<'STANDIN'\n{JOURNALCTL}STANDIN",
        "chmod 755 /usr/local/sbin/systemctl /usr/local/sbin/journalctl",
    ]
    for host in hosts:
        live = f"/etc/letsencrypt/live/{host}"
        lines += [
            f"echo '127.0.0.1 {host}' >> /etc/hosts",
            f"mkdir -p {live}",
            f"openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN={host} "
            f"-addext subjectAltName=DNS:{host} -keyout {live}/privkey.pem -out {live}/fullchain.pem 2>/dev/null",
            # trusted as a certificate of a public authority is (the bundle is in the overlay)
            f"cat {live}/fullchain.pem >> /etc/ssl/certs/ca-certificates.crt",
        ]
    lines += ["nginx   # running since its Debian package was installed, as on a real server",
              "cd /root 2>/dev/null || cd /"]
    cron: list[tuple[str, str]] = []
    inserted_upgrade_prerequisites = inserted_sqlite = waited = False
    for step in all_steps:
        lines.append(f"GUIDE_LINE={step.line}")
        lines.append(f"echo '>>> server block of line {step.line}' >&2")
        if step.kind == "file":
            lines += [f"mkdir -p {q(str(Path(step.path).parent))}",
                      f"cat > {q(step.path)} <<'GUIDEFILE'\n{step.text}GUIDEFILE"]
            if step.path.startswith("/etc/cron.d/"):
                cron += cron_lines(step.text)
            continue
        text = substitute(step.text)
        if "systemctl is-active" in text and not waited:
            # A reader types the check some seconds after starting the service.
            lines.append(f"for _ in $(seq 240); do curl -s -o /dev/null http://127.0.0.1:{SERVICE_PORT}/ && break; sleep 0.5; done")
            waited = True
        if step.line > upgrade_line and not inserted_upgrade_prerequisites:
            before = prerequisites_of_upgrade(markdown).replace("$(date +%F)", "$(date -d yesterday +%F)")
            lines += ["echo '>>> section 3.1, steps 2 and 3 (dated the day before)' >&2", before]
            inserted_upgrade_prerequisites = True
        if step.line > sqlite_line and not inserted_sqlite and "sqlite3" in text:
            # Section 4.2 is for a SQLite deployment: one made by `eplanning upgrade` stands in.
            lines.append("runuser -u eplanning -- env EPLANNING_TENANTS_DIR=/srv/eplanning/app/tenants "
                         "EPLANNING_TENANT=bukittinggi EPLANNING_INSTANCE_PATH=/srv/eplanning/instance "
                         "EPLANNING_DATABASE_URL=sqlite:////srv/eplanning/instance/eplanning.sqlite "
                         "/srv/eplanning/venv/bin/eplanning upgrade >/dev/null")
            inserted_sqlite = True
        lines.append(text)
        if "systemctl start eplanning" in text or "enable --now eplanning" in text:
            lines.append(f"for _ in $(seq 240); do curl -s -o /dev/null http://127.0.0.1:{SERVICE_PORT}/ && break; sleep 0.5; done")
    lines.append("GUIDE_LINE=cron; echo '>>> the cron lines, once each, as their users' >&2")
    for user, command in cron:  # as cron runs them: the user's shell from its home folder
        lines.append(f"(cd \"$(getent passwd {q(user)} | cut -d: -f6)\" && runuser -u {q(user)} -- sh -c {q(command)})")
    lines += ["nginx -s quit 2>/dev/null || true", "systemctl stop eplanning",
              "echo 'REHEARSAL COMPLETED' >&2"]
    return "\n".join(lines) + "\n"
