"""The hash chain of the history, as pure functions (no Flask, no database).

Each region's (tenant's) history is one chain. Entry number ``seq`` (1, 2, 3 ... per region)
holds ``prev_hash``, the hash of entry ``seq - 1`` (64 zeros for the first), and
``entry_hash``, the SHA-256 (hex) of its canonical content: the JSON object of
:data:`FIELDS` with sorted keys, no spaces, non-ASCII escaped (``\\uXXXX``), the time as
``YYYY-MM-DDTHH:MM:SS.ffffffZ`` in UTC, and amounts (Decimal) as strings. Changing, removing,
adding or moving one entry breaks the hash of that entry or the link of the next one; rewriting
the whole chain consistently changes the head, which the published daily checkpoints expose.

:func:`link` chains rows given the head (bulk writers and the bench data generator use it);
:func:`first_break` walks a stored chain and names the first entry that does not fit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timezone
from hashlib import sha256

GENESIS = "0" * 64
#: The content an entry's hash covers (its database id is not: bulk inserts do not know it).
FIELDS = ("action", "actor_id", "actor_name", "changes", "created_at", "object_id", "object_type",
          "prev_hash", "reason", "seq", "tenant_id")
#: How far from its place a moved entry is looked for when a walk finds a broken entry.
MOVE_WINDOW = 1000

_dumps = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=True,
                          allow_nan=True).encode
_SIMPLE = (str, int, float, bool, type(None))
_string = json.encoder.encode_basestring_ascii


def utc_naive(moment: datetime) -> datetime:
    """The UTC moment without tzinfo, as stored in the history's column."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def canonical_time(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return utc_naive(moment).isoformat(timespec="microseconds") + "Z"


def plain(value):
    """A value as the JSON column gives it back: Decimal and times as strings, tuples as lists.

    Writers store ``plain(changes)`` when it differs, so that what is hashed is what is read back.
    """
    if isinstance(value, _SIMPLE):
        return value
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, datetime):
        return canonical_time(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)  # Decimal and anything else: a string, never a float


def _json(value) -> str:
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, int):
        return int.__repr__(value)
    return _dumps(value)


def _changes(changes):
    """(canonical JSON of the changes, the changes as they are to be stored)."""
    if not changes:
        return "{}", {}
    try:
        return _dumps(changes), changes
    except (TypeError, ValueError):  # Decimal, datetime, mixed keys: stored (and hashed) plain
        changes = plain(changes)
        return _dumps(changes), changes


def canonical(row, changes_json: str | None = None) -> bytes:
    """The bytes an entry's hash is taken of (``row``: a mapping with at least FIELDS).

    The same bytes as ``json.dumps({field: row[field] ...}, sort_keys=True,
    separators=(",", ":"))`` with ``created_at`` as canonical text, written out by hand: fast.
    """
    if changes_json is None:
        changes_json = _changes(row["changes"])[0]
    created = row["created_at"]
    return (f'{{"action":{_json(row["action"])},"actor_id":{_json(row["actor_id"])},'
            f'"actor_name":{_json(row["actor_name"])},"changes":{changes_json},'
            f'"created_at":{_json(created if isinstance(created, str) else canonical_time(created))},'
            f'"object_id":{_json(row["object_id"])},"object_type":{_json(row["object_type"])},'
            f'"prev_hash":{_json(row["prev_hash"])},"reason":{_json(row["reason"])},'
            f'"seq":{_json(row["seq"])},"tenant_id":{_json(row["tenant_id"])}}}').encode("ascii")


def entry_hash(row) -> str:
    return sha256(canonical(row)).hexdigest()


def link(rows: list[dict], head: tuple[int, str] = (0, GENESIS)) -> tuple[int, str]:
    """Give each row (in order) its seq, prev_hash and entry_hash after ``head``; the new head.

    Rows are changed in place and must carry the other FIELDS (``created_at`` a datetime, made
    naive UTC here; ``changes`` made :func:`plain` where JSON would not store it as it is).
    Fast enough for millions of rows (a few microseconds each).
    """
    seq, previous = head
    for row in rows:
        seq += 1
        created = row["created_at"]
        if created.tzinfo is not None:
            row["created_at"] = utc_naive(created)
        text, row["changes"] = _changes(row.get("changes"))
        row["seq"] = seq
        row["prev_hash"] = previous
        previous = row["entry_hash"] = sha256(canonical(row, text)).hexdigest()
    return seq, previous


# ---- walking a stored chain -----------------------------------------------------------------

@dataclass(frozen=True)
class Break:
    """The first entry that does not fit: what happened to it, where."""

    kind: str            # edited | deleted | inserted | reordered | rewritten
    seq: int
    entry_id: int | None
    detail: str

    def __str__(self) -> str:
        where = f"seq {self.seq}" + (f" (id {self.entry_id})" if self.entry_id is not None else "")
        return f"{self.kind}: entry {where}: {self.detail}"


@dataclass(frozen=True)
class Walk:
    count: int
    head: tuple[int, str]
    problem: Break | None


def first_break(rows, *, checkpoints: dict[int, tuple[str, str]] | None = None,
                recorded_head: tuple[int, str] | None = None) -> Walk:
    """Walk rows ordered by seq (mappings with ``id`` and FIELDS); stop at the first break.

    ``checkpoints``: {seq: (entry_hash, label)} published earlier (label: what it is, e.g.
    "checkpoint of 2026-12-07T10:00:00Z" or "head read at ..."); ``recorded_head``: the
    (seq, hash) the application last wrote as the chain head, if known.
    """
    checkpoints = checkpoints or {}
    rows = iter(rows)
    expected, head, prev = 1, GENESIS, None
    upcoming = next(rows, None)
    while upcoming is not None:
        row, upcoming = upcoming, next(rows, None)
        seq = row["seq"]
        if seq is None or seq < expected:
            return Walk(expected - 1, (expected - 1, head), Break(
                "inserted", expected - 1 if seq is None else seq, row["id"],
                "an extra entry with a number the chain already has"))
        if seq > expected:
            missing = f"{expected}" if seq == expected + 1 else f"{expected} to {seq - 1}"
            return Walk(expected - 1, (expected - 1, head), Break(
                "deleted", expected, row["id"], f"entry number {missing} is missing before this one"))
        if entry_hash(row) != row["entry_hash"]:
            return Walk(expected - 1, (expected - 1, head), _unsealed(row, prev, upcoming, head))
        if row["prev_hash"] != head:
            following = upcoming["prev_hash"] if upcoming is not None else (
                recorded_head[1] if recorded_head and recorded_head[0] == seq else None)
            if prev is not None and following == row["entry_hash"]:
                return Walk(expected - 1, (expected - 1, head), Break(
                    "edited", prev["seq"], prev["id"],
                    "rewritten with a new hash; the entry after it still holds the original one"))
            return Walk(expected - 1, (expected - 1, head), Break(
                "inserted", seq, row["id"], "it does not link to the entry before it"))
        published = checkpoints.get(seq)
        if published is not None and published[0] != row["entry_hash"]:
            return Walk(expected - 1, (expected - 1, head), Break(
                "rewritten", seq, row["id"],
                f"differs from the published {published[1]}: "
                "the history up to this entry was rewritten"))
        prev, head, expected = row, row["entry_hash"], expected + 1
    last = expected - 1
    later = [s for s in checkpoints if s > last]
    if later:
        newest = max(later)
        return Walk(last, (last, head), Break(
            "deleted", last + 1, None, f"history shorter than the {checkpoints[newest][1]}: it ends at "
            f"entry {last}, the {checkpoints[newest][1].split(' ')[0]} names entry {newest}; "
            f"at least {newest - last} entries were removed from its end"))
    if recorded_head is not None:
        if recorded_head[0] > last:
            return Walk(last, (last, head), Break(
                "deleted", last + 1, None, f"the chain head records {recorded_head[0]} entries; "
                f"the last {recorded_head[0] - last} are missing"))
        if recorded_head[0] == last and recorded_head[1] != head:
            return Walk(last, (last, head), Break(
                "edited", last, prev["id"] if prev else None,
                "the last entry differs from the chain head the application recorded"))
    return Walk(last, (last, head), None)


def _unsealed(row, prev, upcoming, head) -> Break:
    """An entry whose content does not give its hash: edited, or moved (and by whom)."""
    seq = row["seq"]
    written = _written_as(row)
    if upcoming is not None and row["prev_hash"] == upcoming["entry_hash"]:
        return Break("reordered", seq, row["id"], "it was written after the entry that now follows it"
                     + (f" (as entry {written})" if written else ""))
    if upcoming is not None and upcoming["prev_hash"] == head and upcoming["seq"] == seq + 1:
        return Break("inserted", seq, row["id"], "the entry after it links to the entry before it")
    if written is None:
        return Break("edited", seq, row["id"], "its content does not match its hash")
    if written == seq - 1 and prev is not None and row["prev_hash"] == prev["prev_hash"]:
        return Break("inserted", prev["seq"], prev["id"],
                     "an entry was put in before the original one and the rest renumbered")
    if written == seq + 1 and row["prev_hash"] != head:
        return Break("deleted", seq, row["id"], f"the entry before this one (written as {seq}) "
                     "was removed and the rest renumbered")
    return Break("reordered", seq, row["id"], f"it was written as entry {written}")


def _written_as(row) -> int | None:
    """The seq an entry's hash was made with, if only its seq changed (within MOVE_WINDOW)."""
    seq, probe = row["seq"], dict(row)
    text = _changes(row["changes"])[0]
    for distance in range(1, MOVE_WINDOW + 1):
        for written in (seq - distance, seq + distance):
            if written >= 1:
                probe["seq"] = written
                if sha256(canonical(probe, text)).hexdigest() == row["entry_hash"]:
                    return written
    return None
