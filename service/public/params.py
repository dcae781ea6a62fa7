"""Query-string parsing for the public pages; bad input is a 400 page naming the field."""

from __future__ import annotations

import re

from flask import abort
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import MultiDict

from service.core.routing import MAX_ID, MAX_PAGE
from service.public.labels import BASIS_LABELS
from service.public.regions import PROVINCES

FIELD_LABELS = {
    "q": "关键词", "authority": "机关", "province": "省份", "basis": "列入事由", "page": "页码",
    "from": "起始月份", "to": "截止月份", "department": "部门",
}
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class _QuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE


_INT = {"invalid": "应为整数", "null": "不能为空"}
_TOO_LONG = "过长"
_NOT_ALLOWED = "不在可选范围内"


def _positive(maximum: int | None = None):
    return validate.Range(min=1, max=maximum, error="超出范围")


class ListArgs(_QuerySchema):
    q = fields.Str(load_default="", validate=validate.Length(max=100, error=_TOO_LONG))
    authority = fields.Int(load_default=None, error_messages=_INT, validate=_positive(MAX_ID))
    province = fields.Str(load_default=None,
                          validate=validate.OneOf(list(PROVINCES), error=_NOT_ALLOWED))
    basis = fields.Str(load_default=None,
                       validate=validate.OneOf(list(BASIS_LABELS), error=_NOT_ALLOWED))
    page = fields.Int(load_default=1, error_messages=_INT, validate=_positive(MAX_PAGE))


class StatisticsArgs(_QuerySchema):
    start = fields.Str(data_key="from", load_default=None,
                       validate=validate.Regexp(_MONTH, error="格式应为 YYYY-MM"))
    end = fields.Str(data_key="to", load_default=None,
                     validate=validate.Regexp(_MONTH, error="格式应为 YYYY-MM"))
    department = fields.Str(load_default=None, validate=validate.Length(max=20, error=_TOO_LONG))
    authority = fields.Int(load_default=None, error_messages=_INT, validate=_positive(MAX_ID))

    @validates_schema
    def check_range(self, data, **_kwargs):
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise ValidationError("起始月份晚于截止月份", "from")


class _BlankAsMissingParser(FlaskParser):
    """An empty form field (e.g. 'authority=' from a select) means 'not given'."""

    def load_querystring(self, req, schema):
        given = MultiDict([(k, v) for k, v in req.args.items(multi=True) if v.strip()])
        return self._makeproxy(given, schema)


parser = _BlankAsMissingParser()


@parser.error_handler
def _bad_request(error, _req, _schema, *, error_status_code, error_headers):
    problems = []
    for name, reasons in error.messages.get("query", error.messages).items():
        label = FIELD_LABELS.get(name, name)
        problems.append(f"参数“{label}”（{name}）无效：{'；'.join(map(str, reasons))}")
    abort(400, description="；".join(problems))


use_query = parser.use_kwargs
