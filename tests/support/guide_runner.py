"""Runs the shell blocks of a replication guide as a reader would, in order, in one bash session.

The guide marks its fenced blocks (docs/replication-guide.en.md, section "How to read this
guide"):

- ```` ```sh ````: run as it stands;
- ```` ```sh variables ````: ``export NAME=value`` lines the reader sets first; the runner gives
  its own values (a temporary folder, the wheel built for this test session, ...) and checks
  that it knows every name the guide asks for;
- ```` ```sh serve ````: a command that serves until stopped; the runner starts it in the
  background, waits until ``$PORT`` answers HTTP, leaves it serving for the blocks after it, and
  stops it before the next ``serve`` block and at the end;
- ```` ```sh server ````: not run here; rehearsed as root by tests/support/server_rehearsal.py;
- ```` ```sh training ````, ```` ```console ````, ```` ```text ```` and any other fence: not run
  (a trainer's laptop, transcripts, files).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

FENCE = re.compile(r"^```(\S*)(?:[ \t]+(\S+))?\s*$")
RUN, VARIABLES, SERVE = "run", "variables", "serve"
KINDS = {("sh", None): RUN, ("sh", "variables"): VARIABLES, ("sh", "serve"): SERVE}
#: Seconds a ``serve`` block may take to answer (a first start migrates nothing, but imports a lot).
SERVE_DEADLINE = 180


@dataclass(frozen=True)
class Block:
    line: int  # 1-based line of the opening fence
    language: str
    tag: str | None
    text: str

    @property
    def kind(self) -> str | None:
        return KINDS.get((self.language, self.tag))


def blocks(markdown: str) -> list[Block]:
    """Every fenced block at the start of a line (indented blocks are not part of the path)."""
    out, current, start, body = [], None, 0, []
    for number, line in enumerate(markdown.splitlines(), 1):
        match = FENCE.match(line)
        if current is None and match:
            current, start, body = match, number, []
        elif current is not None and line.rstrip() == "```":
            out.append(Block(start, current[1], current[2], "\n".join(body) + "\n"))
            current = None
        elif current is not None:
            body.append(line)
    assert current is None, f"the block opened on line {start} is never closed"
    return out


def variables(markdown: str) -> list[str]:
    """The names the guide's ``sh variables`` blocks ask the reader to set, in order."""
    names = []
    for block in blocks(markdown):
        if block.kind == VARIABLES:
            names += re.findall(r"^export ([A-Z_][A-Z0-9_]*)=", block.text, re.M)
    return names


def script(markdown: str, values: dict[str, str], workdir: Path) -> str:
    """The bash script running the guide's blocks in order with ``values`` for its variables."""
    asked = variables(markdown)
    missing = [name for name in asked if name not in values]
    assert asked, "the guide has no `sh variables` block"
    assert not missing, f"the runner has no value for the guide's variables {missing}"
    lines = [
        "set -euo pipefail",
        "GUIDE_SERVER=''",
        "guide_stop() { if [ -n \"$GUIDE_SERVER\" ]; then kill -TERM -- -\"$GUIDE_SERVER\" 2>/dev/null || true;"
        " wait \"$GUIDE_SERVER\" 2>/dev/null || true; GUIDE_SERVER=''; fi; }",
        "trap 'status=$?; guide_stop; exit $status' EXIT",
        "trap 'echo \"GUIDE FAILED in the block of line $GUIDE_LINE (exit $?)\" >&2' ERR",
        *(f"export {name}={shlex.quote(values[name])}" for name in asked),
        f"cd {shlex.quote(str(workdir))}",
    ]
    for block in blocks(markdown):
        if block.kind == RUN:
            lines += [f"GUIDE_LINE={block.line}", f"echo '>>> block of line {block.line}' >&2", block.text]
        elif block.kind == SERVE:
            serve_file = workdir / f".guide-serve-{block.line}.sh"
            serve_file.write_text(block.text)
            log = workdir / f".guide-serve-{block.line}.log"
            lines += [
                f"GUIDE_LINE={block.line}", f"echo '>>> serving: block of line {block.line}' >&2",
                "guide_stop",
                f"setsid bash -eu {shlex.quote(str(serve_file))} > {shlex.quote(str(log))} 2>&1 &",
                "GUIDE_SERVER=$!",
                f"for _ in $(seq {SERVE_DEADLINE * 2}); do",
                "  curl -s -o /dev/null \"http://127.0.0.1:$PORT/\" && break",
                f"  kill -0 \"$GUIDE_SERVER\" 2>/dev/null || {{ cat {shlex.quote(str(log))} >&2;"
                f" echo 'the serve block of line {block.line} exited' >&2; exit 1; }}",
                "  sleep 0.5",
                "done",
                "curl -s -o /dev/null \"http://127.0.0.1:$PORT/\" || "
                f"{{ cat {shlex.quote(str(log))} >&2; echo 'nothing answers on $PORT' >&2; exit 1; }}",
            ]
    lines.append("guide_stop")
    lines.append("echo 'GUIDE COMPLETED' >&2")
    return "\n".join(lines) + "\n"
