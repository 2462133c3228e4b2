"""The REST API (/api/v1) for integration clients and e-Budgeting: marshmallow schemas, an
OpenAPI 3 document, tokens created, scoped and revoked by the Bappeda administrator."""
