"""A schema's rules across fields, written into its OpenAPI component.

marshmallow states each field's limits and apispec documents them; a rule that ties fields
together (lat with lng, a unit price bounded by the volume's size, the columns a budget line
needs) lives in a ``validates_schema`` method the document would not show. A schema states
such a rule once more in JSON Schema terms as its ``OPENAPI_RULES`` dict (``allOf``/``anyOf``
...), and this apispec plugin adds that dict to the schema's component, so a client (and the
schemathesis fuzz test) knows what the API accepts.
"""

from __future__ import annotations

from apispec import BasePlugin


class SchemaRulesPlugin(BasePlugin):
    """apispec plugin: ``schema.OPENAPI_RULES`` merged into the component of ``schema``."""

    def schema_helper(self, name, definition, **kwargs):
        rules = getattr(kwargs.get("schema"), "OPENAPI_RULES", None)
        return dict(rules) if rules else None
