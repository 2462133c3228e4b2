"""The replication guide (docs/replication-guide.md, Bahasa Indonesia, and its English twin)
stays true: both versions have the same sections, every `eplanning` command and option they
tell an IT officer to type exists in the real CLI, and every EPLANNING_* setting they name is
declared in eplanning_core/config.py. A renamed command or setting fails here, not on a
region's server."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.cli import FlaskGroup

from eplanning_core import cli
from eplanning_core.config import SETTINGS

ROOT = Path(__file__).resolve().parent.parent
GUIDES = {"id": ROOT / "docs" / "replication-guide.md", "en": ROOT / "docs" / "replication-guide.en.md"}
#: Read by create_app itself before the settings (docs/index.md says so), hence not in SETTINGS;
#: and the baked project's own keys of eplanning.env (read by its Makefile, not by the core).
EXTRA_SETTINGS = {"EPLANNING_INSTANCE_PATH"} | set(re.findall(
    r"^#?\s*(EPLANNING_[A-Z0-9_]+)=",
    (ROOT / "cookiecutter-region" / "{{cookiecutter.project_slug}}" / "eplanning.env").read_text(), re.M))
#: A line naming a command that does not exist yet must say it is planned.
PLANNED_MARKERS = ("planned", "direncanakan")
FENCE = re.compile(r"^\s*```")
#: Options of `eplanning` itself, before the command (Flask's group), that take a value.
ROOT_OPTIONS_WITH_VALUE = ("--env-file", "-e", "--app", "-A")


def _text(lang: str) -> str:
    path = GUIDES[lang]
    assert path.is_file(), f"{path.relative_to(ROOT)} is missing"
    return path.read_text(encoding="utf-8")


def _lines_outside_code(text: str):
    inside = False
    for line in text.splitlines():
        if FENCE.match(line):
            inside = not inside
            continue
        if not inside:
            yield line


def _code_lines(text: str):
    """(line, True) for each line of a code block, (paragraph, False) for each paragraph or
    list item of prose: inline code may run across a line break."""
    inside, prose = False, []
    for line in text.splitlines():
        starts_item = re.match(r"^\s*(?:[-*]|\d+\.|\|)\s", line)
        if (FENCE.match(line) or not line.strip() or starts_item) and prose:
            yield " ".join(prose), False
            prose = []
        if FENCE.match(line):
            inside = not inside
        elif inside:
            yield line, True
        elif line.strip():
            prose.append(line.strip())
    if prose:
        yield " ".join(prose), False


def _headings(text: str) -> list[tuple[int, str]]:
    """(level, number) of each heading, e.g. (3, "1.10"); unnumbered headings give ""."""
    out = []
    for line in _lines_outside_code(text):
        match = re.match(r"^(#{1,6})\s+(\d+(?:\.\d+)*\.?)?", line)
        if match:
            out.append((len(match[1]), (match[2] or "").rstrip(".")))
    return out


def _invocations(text: str):
    """Every `eplanning ...` the reader is told to type: (tokens, its line or paragraph)."""
    for line, in_block in _code_lines(text):
        pieces = [line] if in_block else re.findall(r"`([^`]+)`", line)
        for piece in pieces:
            for segment in re.split(r"&&|\|\||;|\|", piece):
                tokens = _command_tokens(segment)
                if tokens:
                    yield tokens, line
                for match in re.finditer(r"bin/eplanning\s+([^'\"]*)", segment):  # venv/bin/eplanning ...
                    if match[1].split():
                        yield match[1].split(), line


def _command_tokens(segment: str) -> list[str] | None:
    words = segment.strip().split()
    while words and (words[0] in ("$", "sudo", "exec") or re.match(r"^[A-Z_]+=", words[0])):
        words = words[1:]
    if not words or words[0] != "eplanning":
        return None
    return words[1:]


# ---- the real CLI, through its --help ------------------------------------------------------

@pytest.fixture(scope="module")
def cli_help(tmp_path_factory):
    """`eplanning ... --help` of the real command, memoised."""
    base = tmp_path_factory.mktemp("guide-cli")
    env = {"EPLANNING_DATABASE_URL": "sqlite:///" + str(base / "x.sqlite"),
           "EPLANNING_INSTANCE_PATH": str(base), "EPLANNING_TENANTS_DIR": str(ROOT / "tenants"),
           "EPLANNING_TENANT": "medan", "EPLANNING_TENANT_HOSTS": "{}"}
    # The group `eplanning` runs (cli.cli() builds it with new-region); older cores built it in main().
    group = cli.cli() if hasattr(cli, "cli") else FlaskGroup(create_app=cli._create_app_or_explain,
                                                             name="eplanning")
    runner = CliRunner()

    @lru_cache(maxsize=None)
    def run(*path: str) -> str:
        result = runner.invoke(group, [*path, "--help"], env=env, prog_name="eplanning")
        return result.output if result.exit_code == 0 else ""
    return run


def _commands_of(help_text: str) -> set[str]:
    if "Commands:" not in help_text:
        return set()
    section = help_text.split("Commands:", 1)[1]
    return {m[1] for m in re.finditer(r"^  ([a-z][a-z0-9_-]*)", section, re.M)}


def _options_of(help_text: str) -> set[str]:
    section = help_text.split("Options:", 1)[1] if "Options:" in help_text else ""
    return set(re.findall(r"(--[a-z][a-z0-9-]*)", section)) | {"--help"}


def _resolve(tokens: list[str], cli_help) -> tuple[list[str], str | None]:
    """The command path the tokens name, and a problem (or None)."""
    while tokens and tokens[0] in ROOT_OPTIONS_WITH_VALUE:  # eplanning --env-file FILE <command>
        tokens = tokens[2:]
    names = [t for t in tokens if re.match(r"^[a-z][a-z0-9-]*$", t)]
    path: list[str] = []
    for name in names:
        commands = _commands_of(cli_help(*path))
        if not commands:
            break  # a leaf command: the rest are arguments
        if name not in commands:
            return path, f"`eplanning {' '.join(path + [name])}`: no such command (has: {sorted(commands)})"
        path.append(name)
    if path and _commands_of(cli_help(*path)):
        return path, f"`eplanning {' '.join(path)}` is a group: name one of its commands"
    offered = _options_of(cli_help(*path))
    for token in tokens:
        if token.startswith("--"):
            option = token.split("=", 1)[0]
            if option not in offered:
                return path, f"`eplanning {' '.join(path)}` has no option {option}"
    return path, None


# ---- the tests --------------------------------------------------------------------------------

def test_both_guides_exist_with_the_same_sections():
    indonesian, english = _headings(_text("id")), _headings(_text("en"))
    assert len(indonesian) == len(english), (
        f"replication-guide.md has {len(indonesian)} headings, replication-guide.en.md {len(english)}")
    assert indonesian == english, "the two guides' headings differ in level or numbering"
    numbered = [n for _, n in english if n]
    assert {"1", "2", "3", "4", "5", "6"} <= set(numbered), "the guide lost one of its six parts"


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_eplanning_command_in_the_guide_exists(lang, cli_help):
    assert _commands_of(cli_help()), "`eplanning --help` lists no commands:\n" + cli_help()
    problems, seen = [], 0
    for tokens, line in _invocations(_text(lang)):
        seen += 1
        _, problem = _resolve(tokens, cli_help)
        if problem and not any(m in line.lower() for m in PLANNED_MARKERS):
            problems.append(f"{problem}\n    in: {line.strip()}")
    assert seen > 20, f"only {seen} eplanning commands found: the parser lost them"
    assert not problems, f"{GUIDES[lang].name}:\n" + "\n".join(problems)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_setting_in_the_guide_is_declared(lang):
    declared = {f"EPLANNING_{s.key}" for s in SETTINGS} | EXTRA_SETTINGS
    named = set(re.findall(r"EPLANNING_[A-Z0-9_]*[A-Z0-9]", _text(lang)))
    assert named, "the guide names no setting"
    assert named <= declared, f"{GUIDES[lang].name} names settings config.py does not declare: {sorted(named - declared)}"


def test_both_guides_name_the_same_commands_and_settings():
    def commands(lang):
        return {" ".join(t for t in tokens[:2] if re.match(r"^[a-z][a-z0-9-]*$", t))
                for tokens, _ in _invocations(_text(lang))}

    assert commands("id") == commands("en")
    settings = [set(re.findall(r"EPLANNING_[A-Z0-9_]*[A-Z0-9]", _text(lang))) for lang in ("id", "en")]
    assert settings[0] == settings[1]


def test_the_parser_reads_the_forms_the_guide_uses():
    """Prompt, sudo, variables before the command, a venv path, chained commands."""
    found = [tokens for tokens, _ in _invocations(
        "```console\n$ sudo eplanning users create-admin --username a\n```\n"
        "Run `EPLANNING_TENANT=langkat eplanning wilayah import` once.\n"
        "```sh\nsudo -u eplanning sh -c 'set -a; /srv/eplanning/venv/bin/eplanning db current'\n"
        "make demo && eplanning demo --reset\n```\n")]
    assert found == [["users", "create-admin", "--username", "a"], ["wilayah", "import"],
                     ["db", "current"], ["demo", "--reset"]]


# ---- quoted facts and the blocks the guide-run test executes -------------------------------

import eplanning_core  # noqa: E402
from support.guide_runner import KINDS, blocks, variables  # noqa: E402

REVISION = re.compile(r"\b(\d{4}_[a-z][a-z0-9_]*)\b")


def _guide_facts():
    import importlib.util

    spec = importlib.util.spec_from_file_location("guide_facts", ROOT / "tools" / "guide_facts.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_guide_quotes_this_cores_version_and_schema_head(lang):
    """Generated from the code by tools/guide_facts.py: a version bump or a new migration
    leaves the guide stale until that tool is run."""
    facts = _guide_facts()
    version, head = facts.version(), facts.schema_head()
    assert version == eplanning_core.__version__
    text = _text(lang)
    fresh = facts.update(text, version, head, facts.previous_head(version))
    stale = [f"  line {n}: {old.strip()}\n     want: {new.strip()}"
             for n, (old, new) in enumerate(zip(text.splitlines(), fresh.splitlines()), 1) if old != new]
    assert not stale, (f"{GUIDES[lang].name} quotes another version or schema head than this core "
                       f"({version}, {head}); run `python tools/guide_facts.py`:\n" + "\n".join(stale))
    assert f"eplanning-core {version}" in text and f"`{head}`" in text


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_revision_the_guide_names_exists(lang):
    revisions = {path.stem for path in (ROOT / "migrations" / "versions").glob("[0-9]*.py")}
    quoted = set(REVISION.findall(_text(lang)))
    assert quoted, "the guide names no schema revision"
    assert not quoted - revisions, f"{GUIDES[lang].name} names revisions that do not exist: {sorted(quoted - revisions)}"


def test_both_guides_run_the_same_blocks_in_the_same_order():
    """The Indonesian and English golden paths are the same commands: only comments differ."""
    def runnable(lang):
        out = []
        for block in blocks(_text(lang)):
            if block.kind is None:
                continue
            lines = [re.sub(r"\s+#.*$", "", line).rstrip() for line in block.text.splitlines()]
            out.append((block.kind, [line for line in lines if line and not line.startswith("#")]))
        return out

    indonesian, english = runnable("id"), runnable("en")
    assert len(english) > 15, "the English guide lost its executable blocks"
    assert [k for k, _ in indonesian] == [k for k, _ in english], "the guides' blocks differ in kind or order"
    for (kind, id_lines), (_, en_lines) in zip(indonesian, english):
        assert id_lines == en_lines, f"a {kind} block differs between the guides:\n{id_lines}\n{en_lines}"


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_shell_block_is_marked(lang):
    """A shell block is run (`sh`), set by the reader (`sh variables`), served (`sh serve`) or
    server-only (`sh server`, rehearsed by tests/test_guide_server.py) or for a trainer
    (`sh training`): a typo in the mark would silently leave it out of the run."""
    text = _text(lang)
    unknown = [f"line {b.line}: ```{b.language} {b.tag or ''}" for b in blocks(text)
               if b.language in ("sh", "bash", "shell") and (b.language, b.tag) not in KINDS
               and b.tag not in ("server", "training")]
    assert not unknown, f"{GUIDES[lang].name} has shell blocks of no known kind: {unknown}"
    assert variables(text), f"{GUIDES[lang].name} has no `sh variables` block"


def test_the_runner_runs_sh_blocks_only_and_sets_the_readers_variables(tmp_path):
    from support.guide_runner import script

    markdown = ("```sh variables\nexport WORK=~/x   # yours\n```\n"
                "```sh\necho one\n```\n```sh server\nsudo rm -rf /\n```\n```console\n$ echo no\n```\n"
                "```sh serve\nsleep 1000\n```\n```sh\necho two\n```\n")
    text = script(markdown, {"WORK": "/tmp/guide-x"}, tmp_path)
    assert "export WORK=/tmp/guide-x" in text and "~/x" not in text
    assert text.index("echo one") < text.index("setsid bash") < text.index("echo two")
    assert "sudo rm" not in text and "echo no" not in text
    with pytest.raises(AssertionError, match="no value"):
        script(markdown, {}, tmp_path)
