"""直接责任人员: the responsible persons a decision names, as files, the console and the API
give them.

The officials' JSON API takes a list of objects::

    "responsible_persons": [{"name": "李四", "id_type": "身份证", "id_number": "..."}]

A bulk file (and the console form) has three optional columns instead, each
holding the persons in the same order, separated by "；" (";", "、" and line
breaks are read the same way):

    直接责任人员            responsible_persons             李四；王五
    直接责任人员证件类型    responsible_persons_id_types    身份证；护照号 (one type: all persons)
    直接责任人员证件号码    responsible_persons_id_numbers  110101...；E12345678

Every person needs a name, an ID type and a number, checked as the legal
representative's are (register.identifiers.id_problem): persons are matched by
the keyed digest of their ID, and only a matched person can be listed with the
organisation. Only the decision of an organisation or an individual business
names responsible persons. Errors are keyed by the column the caller used
("person 2 (王五): ..."), or for the API by `responsible_persons[1].id_number`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load
from marshmallow.validate import Length

from service.register.identifiers import clean_code, id_problem, mask_id_number
from service.register.models import PartyKind

SEPARATOR = "；"
# A name holding a number (李四440303...): the number would reach public pages with the name.
_DIGITS_IN_NAME = re.compile(r"\d{5,}")
_SPLIT = re.compile(r"[;；、\n]+")
MAX_PERSONS = 20
NAMES, TYPES, NUMBERS = COLUMNS = (
    "responsible_persons", "responsible_persons_id_types", "responsible_persons_id_numbers")
HEADERS = {
    NAMES: ("直接责任人员", "直接责任人员姓名", "直接责任人"),
    TYPES: ("直接责任人员证件类型",),
    NUMBERS: ("直接责任人员证件号码",),
}
_COLUMN_OF = {"name": NAMES, "id_type": TYPES, "id_number": NUMBERS}
_REQUIRED = {"required": "is required (必填)"}


def _length(limit: int) -> Length:
    return Length(min=1, max=limit, error=f"must have 1 to {limit} characters (长度不符)")


class ResponsiblePersonSchema(Schema):
    """One 直接责任人员 as the officials' API takes it: all three fields are required."""

    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=_length(100), error_messages=_REQUIRED)
    id_type = fields.String(required=True, validate=_length(40), error_messages=_REQUIRED)
    id_number = fields.String(required=True, validate=_length(40), error_messages=_REQUIRED)

    @pre_load
    def clean(self, data, **kwargs):
        if not isinstance(data, dict):
            raise ValidationError("must be an object {name, id_type, id_number}")
        cleaned = dict(data)
        for key in ("name", "id_type"):
            if isinstance(cleaned.get(key), str):
                cleaned[key] = unicodedata.normalize("NFC", cleaned[key].strip())
        if isinstance(cleaned.get("id_number"), str):
            cleaned["id_number"] = clean_code(cleaned["id_number"])
        return {k: v for k, v in cleaned.items() if v not in (None, "")}


_person_schema = ResponsiblePersonSchema()


def split_cell(value) -> list[str]:
    """The items of a column cell: '李四；王五' → ['李四', '王五']."""
    text = unicodedata.normalize("NFC", str(value))
    return [item.strip() for item in _SPLIT.split(text) if item.strip()]


class ResponsiblePersons(fields.Field):
    """The 直接责任人员 field: a list of person objects, or a column of names (text)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            return split_cell(value)
        if not isinstance(value, list | tuple):
            raise ValidationError("must be a list of {name, id_type, id_number} objects, or "
                                  f"names separated by {SEPARATOR}")
        if len(value) > MAX_PERSONS:
            raise ValidationError(f"names {len(value)} persons: at most {MAX_PERSONS}")
        persons, errors = [], {}
        for i, item in enumerate(value):
            try:
                persons.append((i, _person_schema.load(item)))
            except ValidationError as exc:
                errors[i] = exc.messages
        for i, field, message in _problems([person for _i, person in persons]):
            errors.setdefault(persons[i][0], {}).setdefault(field, []).append(message)
        if errors:
            raise ValidationError(dict(sorted(errors.items())))
        return [person for _i, person in persons]


class PersonColumn(fields.Field):
    """A column of ID types or numbers, one per person in the names' order."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str | int):
            raise ValidationError(f"must be text, items separated by {SEPARATOR}")
        items = split_cell(value)
        return [clean_code(item) for item in items] if attr == NUMBERS else items


def check_responsible_persons(data: dict, add: Callable[[str, str], None]) -> None:
    """Add the errors of the responsible persons: who may name them, counts, each ID."""
    persons = data.get(NAMES)
    columns = [c for c in (TYPES, NUMBERS) if data.get(c)]
    if not persons and not columns:
        return
    if data.get("party_kind") == PartyKind.PERSON:
        add(NAMES if persons else columns[0], "a natural person's decision names no responsible "
            "persons (直接责任人员仅用于法人及非法人组织和个体工商户)")
    elif not persons:
        for column in columns:
            add(column, "is given without the persons' names (直接责任人员)")
    elif isinstance(persons[0], dict):  # each object was checked by ResponsiblePersons
        for column in columns:
            add(column, "give each person's id_type and id_number in its object of "
                        "responsible_persons")
    elif _column_counts(persons, data, add):
        people = _people(persons, data[TYPES], data[NUMBERS])
        for i, field, message in _problems(people):
            add(_COLUMN_OF[field], f"person {i + 1} ({_masked(people[i]['name'])}): {message}")


def _column_counts(names: list[str], data: dict, add) -> bool:
    """The ID columns give one item per name (or one type for all); else add why not."""
    n, fine = len(names), True
    if n > MAX_PERSONS:
        add(NAMES, f"names {n} persons: at most {MAX_PERSONS}")
        fine = False
    types, numbers = data.get(TYPES) or [], data.get(NUMBERS) or []
    if not types:
        add(TYPES, "is required for each responsible person (直接责任人员证件类型必填)")
    elif len(types) not in (1, n):
        add(TYPES, f"gives {len(types)} ID types for {n} persons: one for each, in the same "
                   f"order, or one for all (separated by {SEPARATOR})")
    if not numbers:
        add(NUMBERS, "is required for each responsible person (直接责任人员证件号码必填)")
    elif len(numbers) != n:
        add(NUMBERS, f"gives {len(numbers)} ID numbers for {n} persons: one for each, in the "
                     f"same order (separated by {SEPARATOR})")
    return fine and bool(types) and len(types) in (1, n) and len(numbers) == n


def _problems(people: list[dict]) -> list[tuple[int, str, str]]:
    """(index, field, reason) for each invalid name or ID, and each person named twice."""
    found, seen = [], {}
    for i, person in enumerate(people):
        if len(person["name"]) > 100:
            found.append((i, "name", "longer than 100 characters (超出长度)"))
        if _DIGITS_IN_NAME.search(unicodedata.normalize("NFKC", person["name"])):
            found.append((i, "name", "must be the name only: the ID number goes in its own "
                                     "field (姓名中不应含证件号码)"))
        if len(person["id_type"]) > 40:
            found.append((i, "id_type", "longer than 40 characters (超出长度)"))
            continue
        problem = id_problem(person["id_type"], person["id_number"])
        if problem:
            found.append((i, *problem))
            continue
        first = seen.setdefault((person["id_type"], person["id_number"]), i)
        if first != i:
            found.append((i, "id_number", f"is the ID of person {first + 1} too (重复)"))
    return found


def _masked(name: str) -> str:
    """A name as an error message repeats it: a number typed into it is masked."""
    return _DIGITS_IN_NAME.sub(lambda m: mask_id_number(m.group()),
                               unicodedata.normalize("NFKC", name))


def combined(data: dict) -> list[dict]:
    """The valid persons as [{name, id_type, id_number}], whichever form the caller used."""
    persons = data.pop(NAMES, None) or []
    types, numbers = data.pop(TYPES, None), data.pop(NUMBERS, None)
    if persons and not isinstance(persons[0], dict):
        persons = _people(persons, types, numbers)
    return persons


def _people(names: list[str], types: list[str], numbers: list[str]) -> list[dict]:
    """The three columns as person objects; one ID type given stands for all."""
    types = types * len(names) if len(types) == 1 else types
    return [{"name": name, "id_type": id_type, "id_number": number}
            for name, id_type, number in zip(names, types, numbers, strict=True)]


def as_columns(persons: list[dict] | None) -> dict[str, str]:
    """Stored persons as the form's three columns (ID numbers are not stored: left blank)."""
    persons = persons or []
    return {NAMES: SEPARATOR.join(p["name"] for p in persons),
            TYPES: SEPARATOR.join(p["id_type"] for p in persons), NUMBERS: ""}


def describe(persons: list[dict] | None) -> str | None:
    """Stored persons as one line: '李四（身份证 440303********1237）；王五（…）'."""
    if not persons:
        return None
    return SEPARATOR.join(f"{p['name']}（{p['id_type']} {p['id_number_masked']}）"
                          for p in persons)
