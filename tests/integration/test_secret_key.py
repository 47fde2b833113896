"""No built-in secret key: GRIDPAY_SECRET_KEY, or the embedded database's generated key file, or a refusal that says
what to set; and the digests keyed from it (card PINs, portal sign-in codes) refuse without one."""

import hashlib
import stat
import threading
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from gridpay.application.payments.cards.card_key import card_pin_key
from gridpay.application.payments.cards.issue_card_batch import issue_card_batch
from gridpay.application.portal.sign_in import request_code
from gridpay.application.secret_key import SecretKeyRefused, require_secret_key
from gridpay.config.secret_key import GENERATE, choose_secret_key
from gridpay.data.embedded_secret_key import KEY_FILE_NAME, create_key_file, embedded_key_file, read_key_file
from gridpay.data.models import Account, CardBatch, RechargeCard, SignInCode
from gridpay.domain.portal_sign_in import PortalLimits
from tests.support.accounts import enrol

SQLITE = "django.db.backends.sqlite3"
POSTGRES = "django.db.backends.postgresql"
STRONG = "k7Qz-" * 12  # 60 characters, five distinct
AT = datetime(2025, 3, 10, 2, 0, tzinfo=UTC)


def sqlite_file(directory: Path) -> dict[str, Any]:
    return {"ENGINE": SQLITE, "NAME": str(directory / "gridpay.sqlite3")}


def test_a_configured_key_is_used_on_any_database(tmp_path: Path) -> None:
    assert choose_secret_key(configured=STRONG, database={"ENGINE": POSTGRES, "NAME": "gridpay"}) == (STRONG, "")
    assert choose_secret_key(configured=STRONG, database=sqlite_file(tmp_path)) == (STRONG, "")
    assert not (tmp_path / KEY_FILE_NAME).exists()


@pytest.mark.parametrize("weak", [
    "gridpay-development-only-secret-key-change-me",  # the former built-in key
    "x" * 49,
    "ab" * 40,  # long, but two characters
    "django-insecure-" + "k7Qz-" * 10,
])
def test_a_weak_configured_key_is_refused_even_where_a_key_file_would_do(weak: str, tmp_path: Path) -> None:
    create_key_file(tmp_path / KEY_FILE_NAME)

    key, problem = choose_secret_key(configured=weak, database=sqlite_file(tmp_path))

    assert key == ""
    assert problem.startswith("GRIDPAY_SECRET_KEY 太弱：至少 50 个字符") and GENERATE in problem


def test_postgresql_without_a_key_has_none_and_says_which_variable_to_set() -> None:
    key, problem = choose_secret_key(configured="", database={"ENGINE": POSTGRES, "NAME": "gridpay"})

    assert key == ""
    assert problem == ('未设置 GRIDPAY_SECRET_KEY：使用 PostgreSQL 时必须设置这个密钥，'
                       '可用 python -c "import secrets; print(secrets.token_urlsafe(50))" 生成一个。')


def test_an_sqlite_file_uses_the_key_kept_beside_it_and_never_invents_one(tmp_path: Path) -> None:
    key, problem = choose_secret_key(configured="", database=sqlite_file(tmp_path))
    assert key == "" and problem.startswith(f"没有密钥文件 {tmp_path / KEY_FILE_NAME}：")
    assert not (tmp_path / KEY_FILE_NAME).exists()  # the settings only read: the gridpay command creates it

    create_key_file(tmp_path / KEY_FILE_NAME)

    key, problem = choose_secret_key(configured="", database=sqlite_file(tmp_path))
    assert problem == "" and key == read_key_file(tmp_path / KEY_FILE_NAME) and len(key) >= 50


def test_a_damaged_key_file_is_reported_not_replaced(tmp_path: Path) -> None:
    (tmp_path / KEY_FILE_NAME).write_text("short\n", encoding="ascii")

    key, problem = choose_secret_key(configured="", database=sqlite_file(tmp_path))

    assert key == "" and "不是有效的密钥" in problem
    create_key_file(tmp_path / KEY_FILE_NAME)
    assert (tmp_path / KEY_FILE_NAME).read_text(encoding="ascii") == "short\n"


@pytest.mark.parametrize("name", [":memory:", "file:memorydb_default?mode=memory&cache=shared"])
def test_a_database_in_memory_gets_a_key_of_its_process_and_no_file(name: str, tmp_path: Path) -> None:
    database = {"ENGINE": SQLITE, "NAME": name}

    key, problem = choose_secret_key(configured="", database=database)

    assert problem == "" and len(key) >= 50
    assert embedded_key_file(database) is None
    assert choose_secret_key(configured="", database=database)[0] != key


def test_the_key_file_is_private_complete_and_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / KEY_FILE_NAME

    create_key_file(path)
    first = path.read_text(encoding="ascii")
    create_key_file(path)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert first.endswith("\n") and len(first.strip()) >= 50
    assert path.read_text(encoding="ascii") == first
    assert [p.name for p in tmp_path.iterdir()] == [KEY_FILE_NAME]  # no temporary file left behind


def test_commands_starting_at_once_on_a_new_database_share_one_key(tmp_path: Path) -> None:
    path = tmp_path / KEY_FILE_NAME
    start = threading.Barrier(8)
    seen: list[str | None] = []

    def start_a_command() -> None:
        start.wait()
        create_key_file(path)
        seen.append(read_key_file(path))

    threads = [threading.Thread(target=start_a_command) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(seen) == 8 and len(set(seen)) == 1 and seen[0]
    assert [p.name for p in tmp_path.iterdir()] == [KEY_FILE_NAME]


def test_the_key_file_of_a_relative_database_is_beside_it_wherever_the_command_runs(tmp_path: Path) -> None:
    assert embedded_key_file({"ENGINE": SQLITE, "NAME": str(tmp_path / "a" / "b.sqlite3")}) == (
        tmp_path / "a" / KEY_FILE_NAME
    )
    assert embedded_key_file({"ENGINE": POSTGRES, "NAME": "gridpay"}) is None


def test_without_a_usable_key_the_digests_refuse_with_the_settings_sentence(settings: Any) -> None:
    settings.SECRET_KEY, settings.GRIDPAY_SECRET_KEY_PROBLEM = "", "未设置 GRIDPAY_SECRET_KEY：……"
    settings.GRIDPAY = replace(settings.GRIDPAY, card_pin_key="")

    with pytest.raises(SecretKeyRefused) as refused:
        require_secret_key()
    assert str(refused.value) == "未设置 GRIDPAY_SECRET_KEY：……"
    with pytest.raises(SecretKeyRefused):
        card_pin_key()

    # A card PIN key of its own needs no secret key.
    settings.GRIDPAY = replace(settings.GRIDPAY, card_pin_key="a-card-key-of-its-own")
    assert card_pin_key() == b"a-card-key-of-its-own"


def test_the_card_pin_key_is_still_derived_as_before_so_printed_cards_keep_their_pins(settings: Any) -> None:
    settings.SECRET_KEY, settings.GRIDPAY_SECRET_KEY_PROBLEM = STRONG, ""
    settings.GRIDPAY = replace(settings.GRIDPAY, card_pin_key="")

    assert card_pin_key() == hashlib.sha256(f"gridpay-card-pin:{STRONG}".encode()).digest()


@pytest.mark.django_db
def test_nothing_is_issued_or_sent_without_a_key(settings: Any, zj_tariff: str) -> None:
    enrol(1, opening_balance_fen=0, phone="13900000001")
    settings.SECRET_KEY, settings.GRIDPAY_SECRET_KEY_PROBLEM = "", "未设置 GRIDPAY_SECRET_KEY：……"
    settings.GRIDPAY = replace(settings.GRIDPAY, card_pin_key="")

    with pytest.raises(SecretKeyRefused):
        issue_card_batch(batch_code="B1", count=2, face_value_fen=5_000, expires_on=date(2099, 12, 31), by="制卡员",
                         at=AT, today=AT.date(), deliver=lambda printed: None)
    with pytest.raises(SecretKeyRefused):
        request_code(account_no="3301000001", at=AT, client_address="192.0.2.1",
                     limits=PortalLimits(per_address_per_minute=5, codes_per_minute=60))

    assert not CardBatch.objects.exists() and not RechargeCard.objects.exists()
    assert not SignInCode.objects.exists()


@pytest.mark.django_db
def test_the_demo_refuses_to_serve_without_a_key_before_building_the_town(settings: Any) -> None:
    settings.SECRET_KEY, settings.GRIDPAY_SECRET_KEY_PROBLEM = "", "未设置 GRIDPAY_SECRET_KEY：……"

    with pytest.raises(SecretKeyRefused):
        call_command("demo", "--households", "5", "--days", "1", "--serve")

    assert not Account.objects.exists()
