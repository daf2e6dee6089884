"""The item-type registry: one module per type, like Moodle's question-type plugins.

A new type (say 填空 fill-in-the-blank) is one new module with an ItemType subclass, registered here.
"""

from __future__ import annotations

from examengine.bank.itemtypes.base import LETTERS, Issue, Issues, ItemType
from examengine.bank.itemtypes.multi import MultipleChoice
from examengine.bank.itemtypes.short import ShortAnswer
from examengine.bank.itemtypes.single import SingleChoice
from examengine.bank.itemtypes.truefalse import TrueFalse

REGISTRY: dict[str, ItemType] = {}


def register(item_type: ItemType) -> ItemType:
    REGISTRY[item_type.code] = item_type
    return item_type


for _t in (SingleChoice(), TrueFalse(), MultipleChoice(), ShortAnswer()):
    register(_t)


def get_type(code: str) -> ItemType:
    """The registered type for `code`; KeyError if there is none."""
    return REGISTRY[code]


def type_codes() -> list[str]:
    return list(REGISTRY)


__all__ = ["LETTERS", "REGISTRY", "Issue", "Issues", "ItemType", "get_type", "register", "type_codes"]
