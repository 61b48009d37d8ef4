"""Import problems in the user's language, naming the column as the file's header does; uploads
bounded and not kept when refused."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone, translation
from openpyxl import Workbook

from factories import StaffFactory
from powerkam.accounts.models import Account
from powerkam.analytics.io.errors import MESSAGES as ENGLISH
from powerkam.analytics.io.errors import render
from powerkam.imports import messages
from powerkam.imports.models import ImportRun, ImportStatus
from powerkam.imports.services import ImportRefused, _decimal, _full_clean_all, import_file
from powerkam.imports.views import remove_old_uploads
from powerkam.staff.models import Role

pytestmark = pytest.mark.django_db

GOOD = "户号,户名,电压等级,合同容量,电价类别\nK1,甲公司,10,800,大工业\n"
BAD = "户号,户名,电压等级,合同容量,电价类别\nK1,甲公司,10,abc,大工业\nK2,乙公司,0.4,1e308,大工业\n"


@pytest.fixture
def admin_client(client):
    admin = StaffFactory(user__username="dataadmin", name="数据管理员", role=Role.ADMIN)
    client.force_login(admin.user)
    return client


def upload(client, content: bytes, name: str = "customers.csv", kind: str = "customers", lang: str = "zh-hans"):
    file = SimpleUploadedFile(name, content)
    return client.post("/imports/", {"kind": kind, "file": file}, HTTP_ACCEPT_LANGUAGE=lang).content.decode()


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def uploads(store: Path) -> list[Path]:
    root = store.parent / "uploads"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


# --- the upload page --------------------------------------------------------------------------


def test_zh_page_names_the_files_header_and_says_each_problem_in_chinese(store, admin_client):
    page = text_of(upload(admin_client, BAD.encode()))
    assert "customers.csv：共 2 个问题，未导入任何数据。" in page
    assert "合同容量 (contract_capacity_kva)" in page
    assert "不是数字" in page
    assert "超出合理范围（应在 0 … 10,000,000 kVA 之间）" in page
    for english in ("not a number", "problem(s)", "out of range"):
        assert english not in page
    assert not Account.objects.exists()


def test_en_page_says_the_same_in_english(store, admin_client):
    page = text_of(upload(admin_client, BAD.encode(), lang="en"))
    assert "customers.csv: 2 problems found; nothing was imported." in page
    assert "合同容量 (contract_capacity_kva)" in page
    assert "not a number" in page


def test_a_utf16_file_shows_why_it_was_refused(store, admin_client):
    page = text_of(upload(admin_client, GOOD.encode("utf-16")))
    assert "customers.csv：文件为 UTF-16 编码" in page
    assert "未导入任何数据" in page
    assert "共 0 个" not in page
    run = ImportRun.objects.get()
    assert (run.status, run.errors[0]["code"]) == (ImportStatus.REFUSED, "utf16")
    # the run's page translates the stored code as well
    detail = text_of(admin_client.get(f"/imports/{run.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode())
    assert "文件为 UTF-16 编码" in detail


def test_absent_optional_columns_are_a_warning_on_the_page(store, admin_client):
    page = text_of(upload(admin_client, GOOD.encode()))
    assert "文件中没有以下可选列，现有数据中这些字段保持不变：" in page
    assert "立户日期 (connected_on)" in page
    assert Account.objects.filter(customer_id="K1").exists()


def test_an_upload_over_the_size_limit_is_refused_by_the_form(store, admin_client, settings):
    settings.IMPORT_UPLOAD_MAX_MB = 1
    big = GOOD.encode() + b"K9,x,10,1,large_industrial\n" * 60_000  # ~1.6 MB
    page = text_of(upload(admin_client, big))
    assert "本服务器接受的文件最大为 1 MB" in page
    assert not ImportRun.objects.exists()
    assert uploads(store) == []
    assert "largest file this server accepts is 1 MB" in text_of(upload(admin_client, big, lang="en"))


def test_the_upload_view_still_checks_csrf(store):
    from django.test import Client

    admin = StaffFactory(user__username="csrfadmin", role=Role.ADMIN)
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin.user)
    file = SimpleUploadedFile("c.csv", GOOD.encode())
    assert client.post("/imports/", {"kind": "customers", "file": file}).status_code == 403
    assert not ImportRun.objects.exists()


def test_refused_uploads_are_removed_and_accepted_ones_kept(store, admin_client):
    upload(admin_client, BAD.encode(), name="bad.csv")
    assert uploads(store) == []
    assert ImportRun.objects.get().file_name == "bad.csv"  # the log keeps name, hash and problems
    upload(admin_client, GOOD.encode(), name="good.csv")
    assert [p.name for p in uploads(store)] == ["good.csv"]


def test_kept_uploads_go_after_the_retention_days(store, settings):
    settings.IMPORT_UPLOAD_KEEP_DAYS = 90
    root = store.parent / "uploads"
    now = timezone.localtime()
    old = root / (now - dt.timedelta(days=91)).strftime("%Y%m%d-%H%M%S-%f")
    recent = root / (now - dt.timedelta(days=89)).strftime("%Y%m%d-%H%M%S-%f")
    other = root / "not-an-upload"
    for folder in (old, recent, other):
        folder.mkdir(parents=True)
        (folder / "f.csv").write_text("x")
    assert remove_old_uploads(now) == 1
    assert not old.exists()
    assert recent.exists()
    assert other.exists()


# --- the catalog ------------------------------------------------------------------------------


def test_every_problem_code_has_a_chinese_text_with_the_same_placeholders():
    assert set(ENGLISH) == messages.translated_codes()
    with translation.override("zh-hans"):
        for code, template in ENGLISH.items():
            params = dict.fromkeys(re.findall(r"{(\w+)}", template), "X")
            if "count" in params:
                params["count"] = 3
            text = messages.message(code, params)
            assert text != render(code, params), code  # translated, not the English fallback
            assert "{" not in text, code


def test_reference_names_and_units_in_params_are_translated_too():
    with translation.override("zh-hans"):
        assert messages.message("unknown_reference", {"what": "feeder"}) == "未知的线路"
        assert messages.message("out_of_range", {"min": "0", "max": "1", "unit": "yuan"}).endswith("1 元 之间）")


def test_a_stored_problem_without_a_code_keeps_its_text():
    assert messages.problem_rows([{"row": 2, "column": "x", "value": "1", "reason": "old reason"}])[0]["reason"] == (
        "old reason"
    )


# --- landing never crashes on values the database refuses --------------------------------------


def test_a_value_the_model_refuses_becomes_a_row_error_not_a_crash():
    con = duckdb.connect()
    con.execute("CREATE TABLE checked AS SELECT 7 AS __row, 'X1' AS customer_id")
    account = Account(
        customer_id="X1",
        name="甲",
        voltage_kv=_decimal(123456789.0),
        contract_capacity_kva=Decimal(1),
        tariff="large_industrial",
    )
    with pytest.raises(ImportRefused) as caught:
        _full_clean_all([account], "customer_id", con)
    assert caught.value.code == "crm_refused"
    [error] = caught.value.errors
    assert (error.row, error.column, error.code) == (7, "voltage_kv", "rejected")
    assert not Account.objects.exists()


def test_decimal_of_a_huge_value_does_not_raise():
    assert _decimal(1e308) == Decimal("1E+308")
    assert _decimal(1234.5678) == Decimal("1234.57")


# --- formulas and the CLI ---------------------------------------------------------------------


def formula_workbook(path: Path, cached: bool) -> Path:
    import zipfile

    book = Workbook()
    sheet = book.active
    sheet.append(["户号", "户名", "电压等级", "合同容量", "电价类别"])
    sheet.append(["K1", "甲", 10, "=400*2", "大工业"])
    book.save(path)
    if not cached:
        return path
    out = path.with_name("cached-" + path.name)
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb"<f>400\*2</f><v\s*/>", b"<f>400*2</f><v>800</v>", data)
            dst.writestr(item, data)
    return out


def run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command("import", *args, "--no-progress", stdout=out, stderr=err)
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def test_cli_names_a_formula_cell_in_chinese(store, tmp_path):
    path = formula_workbook(tmp_path / "c.xlsx", cached=False)
    code, _, err = run_cli("customers", str(path), "--lang", "zh-hans")
    assert code == 1
    assert "c.xlsx：1 个公式单元格没有保存的计算结果，请将工作表另存为数值。" in err
    assert "第 2 行「合同容量 (contract_capacity_kva)」「D2」：公式而非数值（D2），请将工作表另存为数值" in err


def test_cli_uses_a_saved_formula_value_and_says_so(store, tmp_path):
    path = formula_workbook(tmp_path / "c.xlsx", cached=True)
    code, out, _ = run_cli("customers", str(path), "--lang", "zh-hans")
    assert code == 0
    assert "1 个单元格为公式，已采用工作簿中保存的计算结果。" in out
    assert "文件中没有以下可选列" in out
    assert Account.objects.get(customer_id="K1").contract_capacity_kva == Decimal("800.00")


def test_cli_json_carries_code_params_and_message(store, tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(BAD, encoding="utf-8")
    code, out, err = run_cli("customers", str(path), "--lang", "zh-hans", "--format", "json")
    assert code == 1
    report = json.loads(out)
    assert (report["code"], report["params"], report["error_count"]) == ("problems", {"file": "c.csv", "count": 2}, 2)
    first = report["errors"][0]
    assert (first["row"], first["column"], first["header"], first["code"]) == (
        2,
        "contract_capacity_kva",
        "合同容量",
        "not_number",
    )
    assert (first["reason"], first["message"]) == ("not a number", "不是数字")
    assert "c.csv：共 2 个问题" in err


def test_cli_follows_the_locale_without_lang(store, tmp_path, monkeypatch):
    path = tmp_path / "c.csv"
    path.write_text(BAD, encoding="utf-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert "不是数字" in run_cli("customers", str(path))[2]
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert "not a number" in run_cli("customers", str(path))[2]


def test_success_json_lists_absent_columns_and_notices(store, tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(GOOD, encoding="utf-8")
    code, out, _ = run_cli("customers", str(path), "--lang", "en", "--format", "json")
    assert code == 0
    report = json.loads(out)
    assert "connected_on" in report["absent_columns"]
    assert any("connected_on" in n and "stay unchanged" in n for n in report["notices"])


def test_the_service_reports_absent_columns(store, tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(GOOD, encoding="utf-8")
    report = import_file(kind="customers", path=path)
    assert "connected_on" in report.absent_columns
    assert "customer_id" not in report.absent_columns
