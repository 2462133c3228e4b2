"""The API's one error format, and the HTTP status of every refusal rule.

Every error under /api/v1 is JSON ``{"message": ..., "errors": {field: [messages]}, "rule": code|null}``
in the caller's language. Views raise :class:`ApiError` (or call :func:`refused`); anything
else that goes wrong on an /api/v1 path (unknown URL, wrong method, schema errors from
webargs, a 500) is turned into the same format by :mod:`.setup`.
"""

from __future__ import annotations

from werkzeug.exceptions import HTTPException

#: Refusal rule -> HTTP status. State conflicts: 409; not yours to do (role, scope, time): 403;
#: fixable by sending other input: 422; a reference to nothing in the region: 404. Rules not
#: listed answer 409.
RULE_STATUS = {
    # 409: the proposal's or batch's state conflicts with the request
    "wrong_stage": 409, "already_sent": 409, "stale": 409, "wrong_status": 409,
    "already_done": 409, "stage_closed": 409, "decision_not_allowed": 409, "undecided": 409,
    "not_surveyed": 409, "quota_exceeded": 409, "ceiling_exceeded": 409, "meeting_incomplete": 409,
    # 403: the caller may not do this (now)
    "wrong_role": 403, "out_of_scope": 403, "outside_window": 403, "entry_closed": 403,
    "token_scope": 403, "user_token_required": 403,
    # 422: the request lacks or has wrong input
    "missing_field": 422, "reason_required": 422, "invalid_input": 422, "locked": 422,
    "invalid_extension": 422, "stage_skip": 422,
    # 404: the request names something the region does not have (api/references.py)
    "unknown_stage": 404,
    # 401: who is calling is not established
    "token_invalid": 401, "credentials_invalid": 401, "account_disabled": 401,
    # 429: too many failed logins for this username or address (accounts/throttle.py)
    "rate_limited": 429,
}


class ApiError(HTTPException):
    """An error answered as the API's JSON; ``extra`` adds keys (e.g. the current ``versi``)."""

    def __init__(self, code: int, message: str, *, errors: dict | None = None, rule: str | None = None,
                 headers: dict | None = None, extra: dict | None = None):
        super().__init__(description=str(message))
        self.code = code
        self.message = str(message)
        self.errors = errors or {}
        self.rule = rule
        self.extra_headers = headers or {}
        self.extra = extra or {}


def status_of(rule: str) -> int:
    return RULE_STATUS.get(rule, 409)


def refused(rule: str, message: str, *, errors: dict | None = None, extra: dict | None = None) -> ApiError:
    """The ApiError for a refusal rule, with the status of :data:`RULE_STATUS`."""
    return ApiError(status_of(rule), message, errors=errors, rule=rule, extra=extra)


def field_errors(errors: dict | None) -> dict[str, list[str]]:
    """{field: [messages]} from an engine, content or marshmallow error dict (nested: "a.b")."""
    out: dict[str, list[str]] = {}

    def walk(prefix: str, value):
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(prefix, item)
        else:
            out.setdefault(prefix or "_schema", []).append(str(value))

    walk("", errors or {})
    return out
