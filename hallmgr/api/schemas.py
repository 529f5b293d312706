"""The schemas of /api/v1 (the OpenAPI document's components): what requests and answers
look like, and the request schemas the API checks bodies against."""

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
