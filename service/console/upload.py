"""Entering decisions without typing every field: paste a decision document, upload a file.

Paste (粘贴决定书全文): the text of a 行政处罚决定书 is read by `docparse` and the
new-decision form comes back pre-filled; nothing is saved until the official
has checked the fields and saves the form as usual.

Upload (批量导入): a CSV or XLSX file in the standard layout goes through the
register's importer; the page shows the per-row report and the rejected rows
can be downloaded with their reasons.
"""

from __future__ import annotations

import base64
import json
import secrets
import shutil
from datetime import datetime, timedelta
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import select

from service.console import add_nav, body_limit, bp
from service.console.auth import login_required, reload_user, require
from service.console.docparse import ParsedDecision, parse_decision_text
from service.console.forms import LABELS, OPTIONS, chinese
from service.console.permissions import ADMIN
from service.core import clock
from service.core.actors import Actor
from service.core.db import db
from service.register.identifiers import clean_code
from service.register.importer import FileFormatError, import_file
from service.register.models import Authority, Decision
from service.register.schemas import field_for_header
from service.register.tabular import open_table, read_through

add_nav("console.upload_decisions", "批量导入", "decision.import")

MAX_DOCUMENT = 50_000  # characters: a decision runs to a few thousand


def guess_authority(parsed: ParsedDecision) -> Authority | None:
    """The authority that signed, by its name, else by the number's prefix in the register."""
    if parsed.authority_name:
        found = db.session.scalar(select(Authority).where(
            Authority.name == parsed.authority_name))
        if found is not None:
            return found
    if parsed.number_prefix:
        ids = db.session.scalars(select(Decision.authority_id).distinct().where(
            Decision.number.startswith(f"{parsed.number_prefix}〔", autoescape=True)).limit(2))
        ids = list(ids)
        if len(ids) == 1:
            return db.session.get(Authority, ids[0])
    return None


def _prefill_notes(parsed: ParsedDecision, user, authority) -> None:
    found = [LABELS.get(name, "处罚机关") for name in parsed.form_values()]
    flash(f"已从决定书中识别 {len(found)} 项：{'、'.join(found)}。"
          "请逐项核对，未识别的项请手工填写。", "info")
    for warning in parsed.warnings:
        flash(warning, "error")
    own = user.authority
    if user.role != ADMIN and parsed.authority_name and own and parsed.authority_name != own.name:
        flash(f"决定书落款机关为“{parsed.authority_name}”，与您所属的“{own.name}”不一致，请核对。",
              "error")
    elif user.role == ADMIN and parsed.authority_name and authority is None:
        flash(f"未找到名为“{parsed.authority_name}”的处罚机关，请选择。", "error")


@bp.post("/decisions/prefill")
@login_required()
def prefill_decision():
    user = require("decision.create")
    document = request.form.get("document", "")
    if not document.strip() or len(document) > MAX_DOCUMENT:
        flash("请粘贴决定书全文。" if not document.strip()
              else f"全文超过 {MAX_DOCUMENT} 字，请只粘贴一份决定书。", "error")
        return redirect(url_for("console.new_decision"))
    parsed = parse_decision_text(document)
    values = {"party_kind": "法人及非法人组织", "authority_id": user.authority_id,
              "penalty_categories": [],
              **parsed.form_values()}
    values.pop("authority_name", None)
    authority = guess_authority(parsed) if user.role == ADMIN else user.authority
    if user.role == ADMIN and authority is not None:
        values["authority_id"] = authority.id
    _prefill_notes(parsed, user, authority)
    authorities = list(db.session.scalars(select(Authority).order_by(Authority.name)))
    return render_template("console/decision_form.html", values=values, errors={},
                           decision=None, mode="new", labels=LABELS, options=OPTIONS,
                           authorities=authorities, pasted=document)


# ---------------------------------------------------------------- bulk upload
#
# The same importer as `flask register import`: rows are checked, new decisions
# published, changed ones corrected (as revisions), invalid rows written to a
# rejects CSV with their reasons. Bulk files come from case systems where the
# decisions were already approved, so uploading is a reviewer's act. A clerk or
# reviewer may only import their own authority's decisions: the file is read
# once before anything is written and refused whole if a row names another.

UPLOAD_SUFFIXES = (".csv", ".xlsx")
# A request imports about 1,000 rows/s (bench/ingest.py); bigger files go by the CLI.
MAX_UPLOAD = 10 * 1024 * 1024
REPORT_ROWS = 100
# Uploaded files carry full ID numbers: the file goes once imported, the rejected
# rows (for the official to correct) after a week, and they are kept encrypted.
REJECTS_KEPT = timedelta(days=7)
REJECTS_FILE = "rejects.csv.enc"


def _rejects_cipher() -> Fernet:
    """The key the rejected rows are kept under, derived from SECRET_KEY (after a rotation
    the week's files cannot be read: the official uploads again)."""
    key = HKDF(algorithm=SHA256(), length=32, salt=None,
               info=b"console upload rejects").derive(current_app.config["SECRET_KEY"].encode())
    return Fernet(base64.urlsafe_b64encode(key))


def _keep_rejects(plain: Path) -> None:
    """Encrypt the importer's rejects file beside it and delete the plain one."""
    if plain.is_file():
        (plain.parent / REJECTS_FILE).write_bytes(_rejects_cipher().encrypt(plain.read_bytes()))
    plain.unlink(missing_ok=True)


# Where the importer names no column of the file: the whole row, or the record's state.
_NOT_A_COLUMN = {"record": "整行", "_schema": "整行", "status": "状态"}


def report_in_chinese(errors: list[tuple[int, str, str]]) -> list[tuple[int, str, str]]:
    """The importer's (row, header, reason) report for the page, each reason in Chinese.

    The header stays as the file named it; the rejects file keeps the importer's text
    (the CLI writes the same file).
    """
    report = []
    for row, header, reason in errors:
        field = field_for_header(header)
        shown = header if field else _NOT_A_COLUMN.get(header, header)
        report.append((row, shown, chinese(field or header, reason)))
    return report


def _uploads_dir() -> Path:
    return Path(current_app.config["INSTANCE_DIR"]) / "uploads"


def foreign_rows(path: Path, authority: Authority, limit: int = 10) -> list[int]:
    """Rows (spreadsheet numbering) whose 处罚机关 or its code is not `authority`."""
    found: list[int] = []
    with open_table(path) as table:
        fields = [field_for_header(h) for h in table.headers]
        name_at = [i for i, f in enumerate(fields) if f == "authority_name"]
        code_at = [i for i, f in enumerate(fields) if f == "authority_uscc"]
        for number, values in table.rows:
            names = {str(values[i] or "").strip() for i in name_at if i < len(values)}
            codes = {clean_code(str(values[i] or "")) for i in code_at if i < len(values)}
            if names - {authority.name, ""} or codes - {authority.uscc or "", ""}:
                found.append(number)
                if len(found) >= limit:
                    break
    return found


def purge_uploads(now: datetime) -> int:
    """Delete upload folders older than REJECTS_KEPT; returns how many went."""
    gone = 0
    root = _uploads_dir()
    for folder in root.iterdir() if root.is_dir() else ():
        meta = folder / "meta.json"
        try:
            at = datetime.fromisoformat(json.loads(meta.read_text())["at"])
        except (OSError, ValueError, KeyError):
            continue
        if now - at > REJECTS_KEPT:
            shutil.rmtree(folder, ignore_errors=True)
            gone += 1
    return gone


def _save_upload(upload, user) -> tuple[str, Path]:
    purge_uploads(clock.now())
    token = secrets.token_hex(16)
    folder = _uploads_dir() / token
    folder.mkdir(parents=True)
    suffix = Path(upload.filename or "").suffix.lower()
    path = folder / f"upload{suffix}"
    upload.save(path)
    (folder / "meta.json").write_text(json.dumps({
        "user_id": user.id, "filename": upload.filename, "at": clock.now().isoformat()}))
    return token, path


def _upload_form(errors: dict[str, str], status: int = 200, **context):
    authorities = list(db.session.scalars(select(Authority).order_by(Authority.name)))
    return render_template("console/upload.html", errors=errors, summary=None,
                           authorities=authorities, **context), status


@bp.get("/decisions/upload")
@login_required()
def upload_decisions():
    require("decision.import")
    return _upload_form({})


@bp.post("/decisions/upload")
@body_limit(MAX_UPLOAD + 64 * 1024)  # the file and the form's other fields
@login_required()
def upload_decisions_post():
    user = require("decision.import")
    if (request.content_length or 0) > MAX_UPLOAD:  # checked before the body is read
        return _upload_form({"file": "文件超过 10 MB（约一万行），请分批上传，或由管理员用命令行 "
                                     "python -m service register import 导入"}, 413)
    upload = request.files.get("file")
    name = (upload.filename or "") if upload else ""
    if not name:
        return _upload_form({"file": "请选择要上传的 CSV 或 XLSX 文件"}, 400)
    if Path(name).suffix.lower() not in UPLOAD_SUFFIXES:
        return _upload_form({"file": f"{name}：只支持 .csv 或 .xlsx 文件"}, 400)
    authority = user.authority if user.role != ADMIN else db.session.get(
        Authority, request.form.get("authority_id", type=int) or 0)
    if authority is not None:
        require("decision.import", authority)
    token, path = _save_upload(upload, user)
    try:
        # Read the whole file before any row is written, so one that breaks off half way is
        # refused whole: foreign_rows reads every row (or refuses the file) for non-admins.
        if user.role == ADMIN:
            read_through(path)
        else:
            rows = foreign_rows(path, authority)
            if rows:
                return _upload_form({"file": (
                    f"第 {'、'.join(map(str, rows))} 行的处罚机关不是本机关（{authority.name}），"
                    "只能导入本机关的处罚决定；文件未导入。")}, 403)
        summary = import_file(path, actor=Actor.user(user), now=clock.now(),
                              rejects_path=path.parent / "rejects.csv",
                              default_authority=authority.name if authority else None,
                              source_name=name)
    except FileFormatError as exc:
        db.session.rollback()
        reload_user()
        return _upload_form({"file": f"{name}：文件无法导入：{exc.chinese}"}, 400)
    finally:
        path.unlink(missing_ok=True)
        _keep_rejects(path.parent / "rejects.csv")
        reload_user()
    return render_template("console/upload.html", errors={}, summary=summary, token=token,
                           filename=name, report_rows=REPORT_ROWS,
                           report=report_in_chinese(summary.errors),
                           labels=LABELS | {"form": "整行"}, authorities=[])


@bp.get("/decisions/upload/<token>/rejects.csv")
@login_required()
def upload_rejects(token: str):
    user = require("decision.import")
    folder = _uploads_dir() / token
    if not token.isalnum() or not (folder / "meta.json").is_file():
        abort(404)
    meta = json.loads((folder / "meta.json").read_text())
    if meta["user_id"] != user.id and user.role != ADMIN:
        abort(403, "只能下载自己上传的文件的错误行。")
    if not (folder / REJECTS_FILE).is_file():
        abort(404)
    try:
        body = _rejects_cipher().decrypt((folder / REJECTS_FILE).read_bytes())
    except InvalidToken:  # kept under an earlier SECRET_KEY
        abort(404)
    stem = Path(meta["filename"]).stem or "upload"
    response = current_app.response_class(body, mimetype="text/csv")
    response.headers.set("Content-Disposition", "attachment",
                         filename=f"{stem}.rejects.csv")
    response.headers["Cache-Control"] = "no-store"
    return response
