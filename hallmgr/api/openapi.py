"""The OpenAPI 3.1 document of /api/v1, the contract: its operations here, their schemas
in hallmgr.api.schemas."""

from copy import deepcopy

from hallmgr.api.schemas import COMPONENTS, QUERY_DATE


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
