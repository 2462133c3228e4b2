"""The error answers every operation of /api/v1 may give, written into the OpenAPI document.

Without this, a client (and the schemathesis fuzz test, tests/test_fuzz_api.py) would meet
status codes the document never named: 401 from any token-protected operation, 400 for a
body that is not JSON, 404 for a path id that names nothing, 422 from argument validation.
An apispec plugin adds them to each operation as it is registered, unless the view already
documents the code itself (with its own description of the refusal rules). No catch-all
"default" response: every status an operation answers is listed.
"""

from __future__ import annotations

from apispec import BasePlugin

METHODS = ("get", "post", "put", "patch", "delete")


class ErrorResponsesPlugin(BasePlugin):
    """apispec plugin: 400/401/404/422 references (components/responses) where they apply."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        for method, operation in (operations or {}).items():
            if method not in METHODS or not isinstance(operation, dict):
                continue
            responses = operation.setdefault("responses", {})

            def add(code: str, name: str) -> None:
                if code not in responses and int(code) not in responses:
                    responses[code] = name

            if operation.get("security"):
                add("401", "UNAUTHORIZED")
            if "requestBody" in operation:
                add("400", "BAD_REQUEST")
                add("422", "UNPROCESSABLE_ENTITY")
            parameters = operation.get("parameters") or []
            if any(isinstance(p, dict) and p.get("in") == "query" for p in parameters):
                add("422", "UNPROCESSABLE_ENTITY")
            if "{" in (path or ""):
                add("404", "NOT_FOUND")
