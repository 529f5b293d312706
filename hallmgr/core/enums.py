"""Vocabularies: each is one enum whose members are the codes stored and sent, each with
its translated label; their order is the order they are defined in."""

from enum import StrEnum


class LabelledEnum(StrEnum):
    """Members are defined as `NAME = "code", _l("Label")`. A vocabulary that carries more
    than its label adds it after the label and names it in `__init__(self, code, label, …)`."""

    def __new__(cls, value: str, label, *_details):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def codes(cls) -> tuple[str, ...]:
        return tuple(member.value for member in cls)

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """(code, label) pairs for a form's choices, in order."""
        return [(member.value, member.label) for member in cls]
