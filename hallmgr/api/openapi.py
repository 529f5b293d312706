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

DATE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
TIMESTAMP = {"type": "string", "format": "date-time"}
METHOD = {"type": "string", "enum": ["cash", "qris", "transfer"]}
DAY_STATE = {"type": "string", "enum": ["paid", "unpaid", "closed", "waived", "not_due"]}
RUPIAH = {"type": "integer", "minimum": 0}
BUSINESS_REF = {
    "type": "object",
    "required": ["id", "name", "owner_name"],
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "owner_name": {"type": "string"},
    },
}
PAYMENT_FIELDS = {
    "receipt_number": {"type": "string"},
    "hall": {"type": "string"},
    "stall": {"type": "string"},
    "business": BUSINESS_REF,
    "dates": {"type": "array", "items": DATE, "minItems": 1},
    "amount": {"type": "integer", "minimum": 1},
    "method": METHOD,
    "collector": {
        "type": "object",
        "required": ["id", "name"],
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
    },
    "recorded_at": TIMESTAMP,
    "verify_url": {"type": "string", "format": "uri"},
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
        "Stall": {
            "type": "object",
            "required": [
                "code",
                "class",
                "status",
                "daily_rate",
                "business",
                "day_state",
                "unpaid_days",
                "unpaid_amount",
            ],
            "properties": {
                "code": {"type": "string"},
                "class": {"type": "string"},
                "status": {"type": "string", "enum": ["available", "maintenance", "retired"]},
                "daily_rate": {"type": ["integer", "null"], "minimum": 1},
                "business": {"oneOf": [BUSINESS_REF, {"type": "null"}]},
                "day_state": DAY_STATE,
                "unpaid_days": {"type": "integer", "minimum": 0},
                "unpaid_amount": RUPIAH,
            },
        },
        "PaymentRequest": {
            "type": "object",
            "description": (
                "Either `dates` (the days to pay) or `days` (how many: the oldest unpaid due "
                "days first, today included, then days ahead within the limit)."
            ),
            "required": ["hall", "stall", "method"],
            "additionalProperties": False,
            "properties": {
                "hall": {"type": "string", "minLength": 1, "maxLength": 20},
                "stall": {"type": "string", "minLength": 1, "maxLength": 20},
                "dates": {"type": "array", "items": DATE, "minItems": 1, "maxItems": 400},
                "days": {"type": "integer", "minimum": 1, "maximum": 400},
                "method": METHOD,
            },
            "oneOf": [{"required": ["dates"]}, {"required": ["days"]}],
        },
        "Payment": {
            "type": "object",
            "required": list(PAYMENT_FIELDS),
            "properties": PAYMENT_FIELDS,
        },
        "Receipt": {
            "type": "object",
            "required": [*PAYMENT_FIELDS, "business_day", "void", "voided_at", "void_reason"],
            "properties": {
                **PAYMENT_FIELDS,
                "business_day": DATE,
                "void": {"type": "boolean"},
                "voided_at": {"type": ["string", "null"], "format": "date-time"},
                "void_reason": {"type": ["string", "null"]},
            },
        },
        "VoidRequest": {
            "type": "object",
            "required": ["reason"],
            "additionalProperties": False,
            "properties": {"reason": {"type": "string", "minLength": 1, "maxLength": 500}},
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


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _body(name: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": _ref(name)}}}


def _path_param(name: str, description: str, schema: dict | None = None) -> dict:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": schema or {"type": "string", "minLength": 1, "maxLength": 40},
    }


def _query(name: str, description: str, schema: dict) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


RECEIPT_NUMBER = _path_param("number", "Receipt number, e.g. JP01-2026-000123")


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
    "/halls/{hall}/stalls": {
        "get": {
            "operationId": "listHallStalls",
            "summary": "Every stall of a hall with its business and its state on a day",
            "parameters": [
                _path_param("hall", "Hall code"),
                _query("date", "The business day (default: today in Asia/Jakarta)", DATE),
            ],
            "responses": {
                "200": _json({"type": "array", "items": _ref("Stall")}),
                **_error_responses(400, 401, 403, 404),
            },
        }
    },
    "/payments": {
        "post": {
            "operationId": "createPayment",
            "summary": "Record a payment and issue its receipt",
            "description": (
                "Collectors, managers and admins. The same Idempotency-Key with the same body "
                "returns the first answer again, with the header `Idempotent-Replayed: true`; "
                "with a different body it is refused (422). A day already paid is 409 and the "
                "message names the receipt."
            ),
            "parameters": [
                {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": True,
                    "description": "New for each payment, the same when a request is retried",
                    "schema": {"type": "string", "minLength": 1, "maxLength": 64},
                }
            ],
            "requestBody": _body("PaymentRequest"),
            "responses": {
                "201": {
                    "description": "Recorded (or replayed)",
                    "headers": {
                        "Idempotent-Replayed": {
                            "description": "`true` when this is the answer to an earlier request",
                            "schema": {"type": "string", "enum": ["true"]},
                        }
                    },
                    "content": {"application/json": {"schema": _ref("Payment")}},
                },
                **_error_responses(400, 401, 403, 404, 409, 422),
            },
        }
    },
    "/receipts/{number}": {
        "get": {
            "operationId": "getReceipt",
            "summary": "A receipt, void or not",
            "parameters": [RECEIPT_NUMBER],
            "responses": {"200": _json(_ref("Receipt")), **_error_responses(401, 403, 404)},
        }
    },
    "/receipts/{number}/pdf": {
        "get": {
            "operationId": "getReceiptPdf",
            "summary": "The receipt as printed, with its verification QR code",
            "parameters": [
                RECEIPT_NUMBER,
                _query(
                    "size",
                    "Paper: A6 (default) or an 80 mm roll",
                    {"type": "string", "enum": ["a6", "80mm"]},
                ),
            ],
            "responses": {
                "200": {
                    "description": "PDF",
                    "content": {
                        "application/pdf": {"schema": {"type": "string", "format": "binary"}}
                    },
                },
                **_error_responses(400, 401, 403, 404),
            },
        }
    },
    "/receipts/{number}/void": {
        "post": {
            "operationId": "voidReceipt",
            "summary": "Void a receipt with a reason (managers, admins); its days become unpaid",
            "parameters": [RECEIPT_NUMBER],
            "requestBody": _body("VoidRequest"),
            "responses": {
                "200": _json(_ref("Receipt")),
                **_error_responses(400, 401, 403, 404, 409),
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
