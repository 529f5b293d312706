"""The OpenAPI 3.1 document of /api/v1: the contract, and the schemas requests are checked against."""

from copy import deepcopy

from hallmgr.arrears.rules import AgingBucket, WarningLevel
from hallmgr.collection.rules import PaymentMethod, RoundState

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
QUERY_DATE = {**DATE, "description": "From 2000-01-01 to 2099-12-31"}
TIMESTAMP = {"type": "string", "format": "date-time"}
METHOD = {"type": "string", "enum": list(PaymentMethod.codes())}
DAY_STATE = {"type": "string", "enum": list(RoundState.codes())}
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

BUSINESS_FIELDS = {
    "id": {"type": "integer"},
    "name": {"type": "string"},
    "owner_name": {"type": "string"},
    "nik_masked": {
        "type": "string",
        "description": "First 4 and last 4 digits; never the whole NIK",
    },
    "phone": {"type": "string"},
    "address": {"type": "string"},
    "kecamatan_code": {"type": ["string", "null"]},
    "category": {"type": "string"},
    "nib": {"type": ["string", "null"]},
    "okoce_member_no": {"type": ["string", "null"]},
    "status": {"type": "string", "enum": ["active", "suspended", "closed"]},
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
            "examples": [
                {"hall": "JP01", "stall": "A-01", "days": 2, "method": "cash"},
                {"hall": "JP01", "stall": "A-01", "dates": ["2026-08-17"], "method": "qris"},
            ],
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
        "BusinessRequest": {
            "type": "object",
            "required": ["name", "owner_name", "nik", "phone"],
            "additionalProperties": False,
            "properties": {
                "name": {"type": "string", "minLength": 1, "maxLength": 160},
                "owner_name": {"type": "string", "minLength": 1, "maxLength": 120},
                "nik": {
                    "type": "string",
                    "description": "16 digits (NIK of the KTP)",
                    "maxLength": 40,
                },
                "phone": {"type": "string", "maxLength": 30},
                "address": {"type": "string", "maxLength": 255},
                "kecamatan_code": {"type": ["string", "null"], "maxLength": 20},
                "category": {"type": "string", "maxLength": 60},
                "nib": {"type": ["string", "null"], "maxLength": 13},
                "okoce_member_no": {"type": ["string", "null"], "maxLength": 30},
            },
        },
        "Business": {
            "type": "object",
            "required": list(BUSINESS_FIELDS),
            "properties": BUSINESS_FIELDS,
        },
        "BusinessListItem": {
            "type": "object",
            "required": [*BUSINESS_FIELDS, "stalls"],
            "properties": {
                **BUSINESS_FIELDS,
                "stalls": {"type": "string", "description": "Stalls held today, e.g. 'JP01 A-07'"},
            },
        },
        "AssignmentRequest": {
            "type": "object",
            "description": (
                "`reason` is needed when the start date is in the past or the business is "
                "not first on the hall's waiting list for the stall's class."
            ),
            "required": ["hall", "stall", "business_id", "start_date"],
            "additionalProperties": False,
            "properties": {
                "hall": {"type": "string", "minLength": 1, "maxLength": 20},
                "stall": {"type": "string", "minLength": 1, "maxLength": 20},
                "business_id": {"type": "integer", "minimum": 1, "maximum": 2147483647},
                "start_date": DATE,
                "end_date": {"oneOf": [DATE, {"type": "null"}]},
                "reason": {"type": "string", "maxLength": 500},
            },
        },
        "EndAssignmentRequest": {
            "type": "object",
            "required": ["end_date", "reason"],
            "additionalProperties": False,
            "properties": {
                "end_date": DATE,
                "reason": {"type": "string", "minLength": 1, "maxLength": 500},
            },
        },
        "Assignment": {
            "type": "object",
            "required": [
                "id",
                "number",
                "hall",
                "stall",
                "business_id",
                "business_name",
                "start_date",
                "end_date",
                "end_reason",
            ],
            "properties": {
                "id": {"type": "integer"},
                "number": {
                    "type": ["string", "null"],
                    "description": "Number of the assignment letter",
                },
                "hall": {"type": "string"},
                "stall": {"type": "string"},
                "business_id": {"type": "integer"},
                "business_name": {"type": "string"},
                "start_date": DATE,
                "end_date": {"oneOf": [DATE, {"type": "null"}]},
                "end_reason": {"type": ["string", "null"]},
            },
        },
        "ArrearsItem": {
            "type": "object",
            "required": [
                "hall",
                "stall",
                "assignment_id",
                "assignment_start",
                "business_id",
                "business_name",
                "owner_name",
                "nik_masked",
                "unpaid_days",
                "amount",
                "oldest_unpaid",
                "last_payment",
                "aging",
                "warning_level",
            ],
            "properties": {
                "hall": {"type": "string"},
                "stall": {"type": "string"},
                "assignment_id": {
                    "type": "integer",
                    "description": "What is owed is one assignment's: a business with two "
                    "stalls has an item for each",
                },
                "assignment_start": DATE,
                "business_id": {"type": "integer"},
                "business_name": {"type": "string"},
                "owner_name": {"type": "string"},
                "nik_masked": {"type": "string"},
                "unpaid_days": {"type": "integer", "minimum": 1},
                "amount": RUPIAH,
                "oldest_unpaid": DATE,
                "last_payment": {"oneOf": [DATE, {"type": "null"}]},
                "aging": {"type": "string", "enum": list(AgingBucket.codes())},
                "warning_level": {
                    "oneOf": [
                        {"type": "string", "enum": list(WarningLevel.codes())},
                        {"type": "null"},
                    ]
                },
            },
        },
        "Arrears": {
            "type": "object",
            "required": ["as_of", "items", "totals"],
            "properties": {
                "as_of": DATE,
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/ArrearsItem"}},
                "totals": {
                    "type": "object",
                    "required": ["businesses", "assignments", "unpaid_days", "amount"],
                    "properties": {
                        "businesses": {
                            "type": "integer",
                            "minimum": 0,
                            "description": "Distinct businesses, however many stalls each owes for",
                        },
                        "assignments": {"type": "integer", "minimum": 0},
                        "unpaid_days": {"type": "integer", "minimum": 0},
                        "amount": RUPIAH,
                    },
                },
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
        400: "Invalid input (the fields say which), or a request that cannot be read",
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


ID = {"type": "integer", "minimum": 1}
RECEIPT_NUMBER = {
    **_path_param("number", "Receipt number: hall, year, number within both"),
    "example": "JP01-2026-000001",
}
HALL_CODE = {**_path_param("hall", "Hall code"), "example": "JP01"}


PATHS: dict = {
    "/halls": {
        "get": {
            "operationId": "listHalls",
            "summary": "The halls in the caller's scope, with occupancy today",
            "responses": {
                "200": _json({"type": "array", "items": {"$ref": "#/components/schemas/Hall"}}),
                **_error_responses(400, 401, 403),
            },
        }
    },
    "/halls/{hall}/stalls": {
        "get": {
            "operationId": "listHallStalls",
            "summary": "Every stall of a hall with its business and its state on a day",
            "parameters": [
                HALL_CODE,
                _query("date", "The business day (default: today in Asia/Jakarta)", QUERY_DATE),
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
    "/businesses": {
        "get": {
            "operationId": "listBusinesses",
            "summary": "Businesses by name, owner, NIK, phone or stall held today (at most 100)",
            "parameters": [_query("q", "Search text", {"type": "string", "maxLength": 80})],
            "responses": {
                "200": _json({"type": "array", "items": _ref("BusinessListItem")}),
                **_error_responses(400, 401, 403),
            },
        },
        "post": {
            "operationId": "createBusiness",
            "summary": "Register a business (managers, admins); one business per NIK",
            "requestBody": _body("BusinessRequest"),
            "responses": {
                "201": _json(_ref("Business"), "Registered"),
                **_error_responses(400, 401, 403, 409),
            },
        },
    },
    "/businesses/{id}": {
        "get": {
            "operationId": "getBusiness",
            "summary": "One business",
            "parameters": [_path_param("id", "Business id", ID)],
            "responses": {"200": _json(_ref("Business")), **_error_responses(400, 401, 403, 404)},
        }
    },
    "/assignments": {
        "post": {
            "operationId": "createAssignment",
            "summary": "Assign a stall to a business for a period (managers, admins)",
            "requestBody": _body("AssignmentRequest"),
            "responses": {
                "201": _json(_ref("Assignment"), "Assigned"),
                **_error_responses(400, 401, 403, 404, 409),
            },
        }
    },
    "/assignments/{id}/end": {
        "post": {
            "operationId": "endAssignment",
            "summary": "End an assignment on a date (inclusive) with a reason",
            "parameters": [_path_param("id", "Assignment id", ID)],
            "requestBody": _body("EndAssignmentRequest"),
            "responses": {
                "200": _json(_ref("Assignment")),
                **_error_responses(400, 401, 403, 404, 409),
            },
        }
    },
    "/arrears": {
        "get": {
            "operationId": "listArrears",
            "summary": "Arrears as of a date per business and stall, with totals",
            "description": "The figures of the office's arrears page and of `flask arrears`: "
            "the position at the end of `as_of`, so payments recorded and voids made after "
            "that day are not counted, and `last_payment` is at most `as_of`.",
            "parameters": [
                _query(
                    "as_of", "Arrears of the days before this date (default: today)", QUERY_DATE
                ),
                _query("region", "Region code, e.g. 31.71", {"type": "string", "maxLength": 20}),
                _query("hall", "Hall code", {"type": "string", "maxLength": 20}),
                _query(
                    "min_days",
                    "At least this many unpaid days",
                    {"type": "integer", "minimum": 1, "maximum": 100000},
                ),
            ],
            "responses": {"200": _json(_ref("Arrears")), **_error_responses(400, 401, 403, 404)},
        }
    },
    "/receipts/{number}": {
        "get": {
            "operationId": "getReceipt",
            "summary": "A receipt, void or not",
            "parameters": [RECEIPT_NUMBER],
            "responses": {"200": _json(_ref("Receipt")), **_error_responses(400, 401, 403, 404)},
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
