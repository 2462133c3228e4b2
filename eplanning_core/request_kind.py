"""Whether the current request is an API call: the path decides, nothing else.

Kept apart from the API package so that request-wide hooks (text input checks, the
database-outage page) can answer in JSON for API calls without importing the API.
"""

from flask import has_request_context, request

API_PREFIX = "/api/v1"


def is_api_path(path: str) -> bool:
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")


def is_api_request() -> bool:
    return has_request_context() and is_api_path(request.path)
