"""The OpenAPI 3.1 document of /api/v1: the contract, and the schemas requests are checked against."""

from copy import deepcopy

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        }
    },
}

COMPONENTS: dict = {
    "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
    "schemas": {
        "Error": ERROR,
        "Hall": {
            "type": "object",
            "required": [
                "code",
                "name",
                "region_code",
                "region_name",
                "stalls_total",
                "stalls_occupied",
            ],
            "properties": {
                "code": {"type": "string"},
                "name": {"type": "string"},
                "region_code": {"type": "string"},
                "region_name": {"type": "string"},
                "stalls_total": {"type": "integer", "minimum": 0},
                "stalls_occupied": {"type": "integer", "minimum": 0},
            },
        },
    },
}


def _error_responses(*statuses: int) -> dict:
    descriptions = {
        400: "Invalid input",
        401: "No valid token",
        403: "The role may not do this",
        404: "Not found, or not in the caller's halls",
        409: "Conflict (e.g. a day already paid)",
        422: "Idempotency key reused with a different body",
    }
    return {
        str(status): {
            "description": descriptions[status],
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for status in statuses
    }


def _json(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


PATHS: dict = {
    "/halls": {
        "get": {
            "operationId": "listHalls",
            "summary": "The halls in the caller's scope, with occupancy today",
            "responses": {
                "200": _json({"type": "array", "items": {"$ref": "#/components/schemas/Hall"}}),
                **_error_responses(401, 403),
            },
        }
    },
}


def document(server_url: str = "/api/v1") -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "hallmgr API",
            "version": "1.0.0",
            "description": (
                "Market halls for micro businesses (UMKM), DKI Jakarta: halls, stalls, "
                "businesses, assignments, daily retribution payments, receipts and arrears. "
                "Amounts are whole rupiah; dates are YYYY-MM-DD business days in Asia/Jakarta."
            ),
        },
        "servers": [{"url": server_url}],
        "security": [{"bearer": []}],
        "paths": deepcopy(PATHS),
        "components": deepcopy(COMPONENTS),
    }


def request_schema(name: str) -> dict:
    """A component schema with its references resolvable, for jsonschema."""
    schema = deepcopy(COMPONENTS["schemas"][name])
    schema["$defs"] = deepcopy(COMPONENTS["schemas"])
    return _rewrite_refs(schema)


def _rewrite_refs(node):
    if isinstance(node, dict):
        return {
            key: (
                value.replace("#/components/schemas/", "#/$defs/")
                if key == "$ref"
                else _rewrite_refs(value)
            )
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_rewrite_refs(item) for item in node]
    return node
