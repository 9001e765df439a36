"""A department administrator imports a services ledger: upload, the check's progress, the
preview, confirm, the result and undo — with the background jobs really in the background.

Tests run django-q2 inline (``sync``), so the jobs would finish inside the upload request
and there would be no progress to watch: here each job runs in a thread of its own while
the browser polls, as a worker runs it in production.
"""

import re
import threading
import time

import pytest
from django.db import connection, connections
from django.utils.module_loading import import_string

from catalog.models import Service
from imports import engine
from imports.models import LedgerImport
from tests.browser.test_japanese_admin import english_words
from tests.imports.conftest import headers_of, workbook_bytes

IMPORTS_URL = "/admin/ledger_imports/"
NEW_SERVICES = 400  # written one by one at commit (revision, audit log): ~10 ms each
CHECK_CHUNK_ROWS = 50
CHECK_PAUSE = 0.35  # seconds per chunk: the check of this file lasts ~3 s, as a big one does
# Names rather than words on these screens: Excel, the file name's extension, and the
# name of the encoding the error list can be downloaded in.
ALLOWED = {"Excel", "xlsx", "Shift", "JIS"}


@pytest.fixture
def background_tasks(monkeypatch, live_server):
    """Run each queued job in a thread of its own, as a django-q2 worker would.

    The thread uses the database the way the live server's request threads do: with an
    in-memory SQLite test database they all share the test's one connection (a second
    connection to the shared-cache database would hit "database table is locked" while
    the job writes); with PostgreSQL it opens its own connection and closes it at the end.
    """
    threads, failures = [], []
    shared = dict(live_server.thread.connections_override)

    def run(path, args):
        for alias, conn in shared.items():
            connections[alias] = conn
        try:
            import_string(path)(*args)
        except BaseException as error:
            failures.append(error)
            raise
        finally:
            connection.close()

    def async_task(path, *args, **kwargs):
        thread = threading.Thread(target=run, args=(path, args), name=path, daemon=True)
        threads.append(thread)
        thread.start()

    monkeypatch.setattr("imports.services.async_task", async_task)
    yield threads
    for thread in threads:
        thread.join(timeout=120)
    assert not [thread.name for thread in threads if thread.is_alive()]
    assert not failures


@pytest.fixture
def slow_check(monkeypatch):
    """A check that takes seconds, as one of a big ledger does, without a big ledger.

    The check reads ~15,000 rows a second, while each service the commit writes takes
    ~10 ms: a file whose check lasts long enough to watch would take minutes to commit
    and undo. So the rows come in small chunks with a pause after each.
    """
    chunks = engine.Analysis.chunks

    def paused(self):
        for chunk in chunks(self):
            time.sleep(CHECK_PAUSE)
            yield chunk

    monkeypatch.setattr(engine, "CHUNK_ROWS", CHECK_CHUNK_ROWS)
    monkeypatch.setattr(engine.Analysis, "chunks", paused)


def _whole_page(page, screenshot, name):
    """A screenshot of the whole screen: the admin scrolls inside <main>, so a full-page
    screenshot stops at the window's height."""
    viewport = page.viewport_size
    height = page.evaluate("() => document.querySelector('main').scrollHeight")
    page.set_viewport_size({**viewport, "height": max(viewport["height"], height)})
    screenshot(page, name)
    page.set_viewport_size(viewport)


def _ledger_row(service):
    """A service as its row of the 収納対象一覧 ledger."""
    return [
        service.department.code,
        service.code,
        service.name,
        service.get_kind_display(),
        service.get_route_display(),
        service.facility.code if service.facility else "",
        service.standard_amount,
        service.notes,
    ]


def _usage_fee(department, code, name, amount=500):
    return [department, code, name, "使用料", "窓口払い", "", amount, ""]


def _row_numbers(text):
    """The numbers of a rows-done line: 「407行中150行（140行/秒）」 → [407, 150, 140]."""
    return [int(number.replace(",", "")) for number in re.findall(r"\d[\d,]*", text)]


def _services_ledger(path):
    """The ledger kanko uploads: 400 new services of department 171, three of its demo
    services changed (a name, a fee, notes), two as they are, and two broken rows.

    Returns the sheet's row numbers (headers on row 1) of the renamed and broken rows.
    """
    ours = Service.objects.filter(department__code="171").select_related("department", "facility")
    kameyama, endo, dinosaur, noguchi, glover = (
        ours.get(code=code) for code in ("20103", "20106", "20107", "20110", "20111")
    )
    renamed, refee, renoted = _ledger_row(kameyama), _ledger_row(endo), _ledger_row(dinosaur)
    renamed[2] = "亀山社中記念館 入場料（大人）"
    refee[6] = 400
    renoted[7] = "夏休み期間は19時まで開館"
    new = [
        _usage_fee("171", f"{17001 + i}", f"観光案内所 貸出自転車 使用料 {i + 1}")
        for i in range(NEW_SERVICES)
    ]
    unknown_department = _usage_fee("179", "17901", "存在しない部署のサービス")
    bad_code = _usage_fee("171", "17A01", "コードの誤った行")
    half = NEW_SERVICES // 2
    rows = [renamed, refee, renoted, _ledger_row(noguchi), _ledger_row(glover)]
    rows += [*new[:half], unknown_department, *new[half:], bad_code]
    path.write_bytes(workbook_bytes(headers_of("services"), rows))
    return {
        "renamed": 2 + rows.index(renamed),
        "unknown_department": 2 + rows.index(unknown_department),
        "bad_code": 2 + rows.index(bad_code),
    }


def test_kanko_imports_a_services_ledger_checks_it_confirms_it_and_undoes_it(
    demo, live_server, page, login, screenshot, background_tasks, slow_check, tmp_path
):
    ledger = tmp_path / "収納対象一覧_観光推進課.xlsx"
    rows = _services_ledger(ledger)
    english = {}

    def no_english(screen):
        words = sorted(set(english_words(page)) - ALLOWED)
        if words:
            english[screen] = words

    login(page, "kanko", "kanko-demo-2026")
    page.get_by_role("link", name="台帳の取込").click()
    page.wait_for_url(f"{live_server.url}{IMPORTS_URL}")
    page.locator("header").get_by_role("link", name="台帳を取り込む").click()
    page.wait_for_url(f"{live_server.url}{IMPORTS_URL}new/")
    no_english("upload")
    _whole_page(page, screenshot, "29-import-upload")
    page.get_by_label("台帳の種類").select_option(label="収納対象一覧")
    page.get_by_label("Excelファイル（.xlsx）").set_input_files(ledger)
    page.get_by_role("button", name="アップロードしてチェック").click()
    page.wait_for_url(re.compile(re.escape(IMPORTS_URL) + r"\d+/$"))

    # The check runs in the background; the page shows how far it is, and how fast.
    progress = page.locator("[data-import-rows]")
    page.wait_for_function(
        """() => {
            const numbers = (document.querySelector("[data-import-rows]")?.textContent || "")
                .match(/\\d[\\d,]*/g) || [];
            return numbers.length === 3 && numbers.every(n => Number(n.replace(/,/g, "")) > 0);
        }"""
    )
    bar = page.get_by_role("progressbar")
    assert bar.is_visible()
    assert int(bar.get_attribute("aria-valuenow")) > 0
    total, done, rate = _row_numbers(progress.inner_text())
    assert total == NEW_SERVICES + 7
    assert 0 < done < total
    assert rate > 0
    assert page.locator("[data-import-status]").inner_text() == "読込・チェック中"
    # Let the bar finish growing to the figure before the screenshot.
    page.wait_for_function(
        "() => !document.querySelector('[data-import-bar]')?.getAnimations().length"
    )
    _whole_page(page, screenshot, "30-import-progress")
    no_english("progress")

    # When the check ends the page reloads with the preview.
    page.get_by_role("heading", name="取込予定の内容").wait_for(timeout=30_000)
    ledger_import = LedgerImport.objects.get()
    assert ledger_import.status == LedgerImport.Status.PREVIEW
    assert page.locator("[data-import-status]").inner_text() == "確認待ち"
    counts = page.locator(".imports-counts").inner_text()
    assert re.sub(r"\s+", " ", counts) == f"{NEW_SERVICES} 新規 3 変更 2 変更なし 2 エラー"
    errors = page.locator("#import-issues-section table").inner_text()
    assert (
        f"{rows['unknown_department']}\t部署コード\t179\t部署コード 179 の部署はありません。"
        in errors
    )
    assert (
        f"{rows['bad_code']}\tサービスコード\t17A01\t17A01 は5桁のコードではありません。"
        "5桁の数字で入力してください（例: 00123）。" in errors
    )
    # The changed rows come first, each with its values before → after.
    changes = page.locator("#import-rows-section table").inner_text()
    assert f"{rows['renamed']}\t20103\t" in changes
    assert "亀山社中記念館 入場料（一般） → 亀山社中記念館 入場料（大人）" in changes
    assert "360 → 400" in changes
    _whole_page(page, screenshot, "31-import-preview")
    no_english("preview")

    # With invalid rows, confirming means choosing to skip them.
    page.get_by_label("エラーのない行を取り込み、エラーのある行はスキップする").check()
    page.get_by_role("button", name="取込を確定").click()
    page.wait_for_url(re.compile(re.escape(IMPORTS_URL) + r"\d+/$"))
    page.get_by_role("heading", name="取込結果").wait_for(timeout=60_000)
    assert page.locator("[data-import-status]").inner_text() == "取込済み"
    counts = page.locator(".imports-counts").inner_text()
    skipped = f"{NEW_SERVICES} 新規 3 変更 2 変更なし 2 エラー（スキップ）"
    assert re.sub(r"\s+", " ", counts) == skipped
    assert Service.objects.filter(code__startswith="17").count() == NEW_SERVICES
    assert Service.objects.get(code="17400").name == "観光案内所 貸出自転車 使用料 400"
    assert Service.objects.get(code="20103").name == "亀山社中記念館 入場料（大人）"
    assert not Service.objects.filter(code="17901").exists()
    _whole_page(page, screenshot, "32-import-committed")
    no_english("committed")

    # Undo asks first, then deletes what the import created and puts back what it changed.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="取込を取り消す").click()
    page.get_by_text("取込を取り消しました。").wait_for(timeout=60_000)
    assert page.locator("[data-import-status]").inner_text() == "取消済み"
    assert not page.get_by_role("button", name="取込を取り消す").count()
    assert not Service.objects.filter(code__startswith="17").exists()
    assert Service.objects.get(code="20103").name == "亀山社中記念館 入場料（一般）"
    assert Service.objects.get(code="20106").standard_amount == 360
    _whole_page(page, screenshot, "33-import-undone")
    no_english("undone")

    # The history lists the import with who, when and what it did.
    page.get_by_role("link", name="台帳の取込").first.click()
    page.wait_for_url(f"{live_server.url}{IMPORTS_URL}")
    assert "取消済み" in page.locator("table.listing").inner_text()
    _whole_page(page, screenshot, "34-import-history")
    no_english("history")

    assert english == {}, "English on the import screens"
