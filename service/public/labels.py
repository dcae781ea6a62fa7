"""Chinese labels the public pages and downloads show for stored codes."""

from __future__ import annotations

LIST_NAMES = {
    "black": "严重侵权失信名单",
    "red": "守信激励名单（红名单）",
}

BASIS_LABELS = {
    "repeat_infringement": "重复侵权（5年内两次以上）",
    "large_fine": "大额罚款",
    "licence_revoked": "吊销许可证件",
    "closure": "责令关闭",
    "criminal_transfer": "移送司法机关",
    "nonperformance": "拒不履行行政处罚决定",
    "manual": "执法部门认定",
    "associated_person": "随所在单位列入（法定代表人/责任人）",
    "nomination": "执法部门推荐",
}

STATUS_LABELS = {
    "blacklisted": "已列入严重侵权失信名单",
    "red_list": "已列入守信激励名单（红名单）",
    "disclosed_penalties": "有公示中的行政处罚",
    "nothing_on_record": "暂无公示的处罚或名单信息",
}

WITHDRAWAL_LABELS = {
    "revoked": ("已撤销", "该行政处罚决定已被依法撤销或变更，已停止公示。"),
    "repaired": ("已信用修复", "当事人已完成信用修复，该信息已停止公示。"),
    "expired": ("公示期满", "该信息公示期已届满，已停止公示。"),
    "undisclosable": ("不予公示", "依据公示规定，该类处罚决定不予公示。"),
    "unpublished": ("尚未公示", "该信息尚未公示。"),
}


def basis_label(basis: str) -> str:
    return BASIS_LABELS.get(basis, basis)
