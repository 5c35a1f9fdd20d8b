"""The one Vietnamese name of every field and table of the book, as officers see it.

The merge dialog, the child's profile, the import preview, sync conflicts and the audit log
all name a field from here, so a field is called the same everywhere. (Column headers of the
import template are the template's own, in ``importer/fields.py``.)
"""

from __future__ import annotations

TABLE_LABELS: dict[str, str] = {
    "hamlets": "Thôn/tổ dân phố",
    "households": "Hộ gia đình",
    "persons": "Nhân khẩu, trẻ em",
    "guardian_links": "Cha mẹ, người giám hộ",
    "change_events": "Biến động",
    "special_episodes": "Hoàn cảnh đặc biệt",
    "merge_records": "Gộp hồ sơ trùng",
    "report_documents": "Văn bản báo cáo (PDF)",
    "report_snapshot_members": "Danh sách trẻ lúc chốt báo cáo",
    "risk_categories": "Loại nguy cơ",
    "risk_episodes": "Trẻ em có nguy cơ",
    "protection_cases": "Vụ việc bảo vệ trẻ em",
    "case_children": "Trẻ em trong vụ việc",
    "consent_records": "Sự đồng ý",
    "case_steps": "Các bước xử lý vụ việc",
    "supports": "Trợ giúp, can thiệp",
    "injuries": "Tai nạn, thương tích",
    "labour_records": "Lao động trẻ em",
    "marriage_records": "Tảo hôn",
    "users": "Người dùng",
    "user_hamlets": "Thôn của cộng tác viên",
    "commune_settings": "Thông tin đơn vị",
    "backup": "Bản sao lưu",
    "export": "Tệp xuất ra",
    "merge_book": "Gộp sổ xã cũ",
    "merge_list": "Gộp danh sách Excel của xã cũ",
    # Kept on this PC only (never synced): their changes still show in the audit log.
    "case_informants": "Người báo tin (chỉ trên máy này)",
    "holiday_changes": "Lịch nghỉ lễ",
    # Named when a former commune's book is brought in (what stays in that book).
    "indicator_targets": "Mục tiêu các chỉ tiêu",
    "indicator_values": "Số liệu các ngành",
    "report_calendar": "Lịch báo cáo",
    "periodic_reports": "Báo cáo định kỳ",
    "report_snapshot_values": "Số liệu của báo cáo đã chốt",
    "report_decisions": "Ý kiến cấp trên về báo cáo",
    "cfc_assessments": "Tự đánh giá xã phù hợp với trẻ em",
    "cfc_scores": "Điểm tự đánh giá",
    "sync_conflicts": "Xung đột đồng bộ",
    "sync_outbox_batches": "Lô dữ liệu chờ gửi",
    "sync_inbox": "Dữ liệu nhận về chờ ghi",
    "audit_entries": "Nhật ký thao tác",
    "former_audit_entries": "Nhật ký của sổ xã cũ",
}

FIELD_LABELS: dict[str, str] = {
    "deleted": "Đã xóa",
    # hamlets, households
    "name": "Tên",
    "collaborator_name": "Cộng tác viên",
    "hamlet_id": "Thôn/tổ dân phố",
    "number": "Số hộ",
    "head_name": "Họ tên chủ hộ",
    "address": "Địa chỉ",
    "poverty_code": "Hoàn cảnh hộ",
    "poverty_year": "Năm xét nghèo",
    "phone": "Điện thoại",
    # persons
    "household_id": "Hộ gia đình",
    "full_name": "Họ và tên",
    "birth_date": "Ngày sinh",
    "birth_date_estimated": "Ngày sinh ước tính",
    "sex": "Giới tính",
    "ethnicity_code": "Dân tộc",
    "id_number": "Số định danh",
    "relation_code": "Quan hệ với chủ hộ",
    "notes": "Ghi chú",
    "residence_code": "Tình trạng cư trú",
    "status": "Trạng thái",
    "status_date": "Ngày đổi trạng thái",
    "birth_registered": "Đăng ký khai sinh",
    "birth_registration_date": "Ngày đăng ký khai sinh",
    "birth_registration_place": "Nơi đăng ký khai sinh",
    "insurance_number": "Số thẻ BHYT",
    "insurance_valid_until": "Hạn thẻ BHYT",
    "insurance_card": "Có thẻ BHYT",
    "schooling_code": "Học tập",
    "school_name": "Trường",
    "school_class": "Lớp",
    "disability_code": "Dạng khuyết tật",
    "disability_severity_code": "Mức độ khuyết tật",
    "id_check_override": "Lý do giữ số định danh",
    "merged_into_id": "Gộp vào hồ sơ",
    # guardians
    "child_id": "Trẻ em",
    "person_id": "Người",
    "role": "Vai trò",
    "parent_status": "Tình trạng cha mẹ",
    "valid_from": "Từ ngày",
    "valid_to": "Đến ngày",
    # events
    "event_code": "Loại biến động",
    "event_date": "Ngày biến động",
    "other_household_id": "Hộ liên quan",
    "place": "Nơi đi/đến",
    "cause": "Nguyên nhân",
    "details": "Chi tiết",
    "automatic": "Tự động",
    # special-circumstance episodes
    "group_no": "Nhóm hoàn cảnh",
    "subgroup_no": "Nhóm nhỏ",
    "start_date": "Từ ngày",
    "end_date": "Đến ngày",
    "evidence": "Căn cứ",
    "verified_by": "Người xác minh",
    # merges
    "kept_id": "Hồ sơ giữ lại",
    "removed_id": "Hồ sơ bị gộp",
}


def field_label(column: str) -> str:
    """The field's Vietnamese name (the column's own name if it has none yet)."""
    return FIELD_LABELS.get(column, column)


def labels_of(*columns: str) -> dict[str, str]:
    """``{column: label}`` for ``columns``, in that order (every one must have a label)."""
    return {column: FIELD_LABELS[column] for column in columns}
