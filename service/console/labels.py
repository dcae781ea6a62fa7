"""Chinese labels for the console's codes (roles, decision statuses, history actions)."""

ROLE_LABELS = {"clerk": "录入员", "reviewer": "审核员", "admin": "管理员"}
DECISION_STATUS_LABELS = {"draft": "草稿", "pending": "待审核", "published": "已公示",
                          "revoked": "已撤销"}
REVISION_ACTION_LABELS = {"created": "录入", "edited": "修改草稿", "submitted": "提交审核",
                          "returned": "退回", "published": "审核发布", "corrected": "更正",
                          "revoked": "撤销", "imported": "导入"}
SEVERITY_LABELS = {"minor": "轻微", "ordinary": "一般", "serious": "严重"}
