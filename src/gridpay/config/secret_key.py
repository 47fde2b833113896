"""Which secret key the settings use: GRIDPAY_SECRET_KEY, the embedded database's key file, or none and why."""

from collections.abc import Mapping
from typing import Any

from gridpay.data.embedded_secret_key import embedded_key_file, is_sqlite, new_secret_key, read_key_file

GENERATE = 'python -c "import secrets; print(secrets.token_urlsafe(50))"'
# The same bar as Django's deploy check (security.W009), so that a key gridpay accepts also passes the check.
MIN_LENGTH = 50
MIN_DISTINCT_CHARACTERS = 5
DJANGO_INSECURE_PREFIX = "django-insecure-"


def choose_secret_key(*, configured: str, database: Mapping[str, Any]) -> tuple[str, str]:
    """(key, "") or ("", the one Chinese line that says why there is no usable key and what to do).

    There is no built-in key: GRIDPAY_SECRET_KEY, else the key file an SQLite database keeps beside it (the
    `gridpay` command creates it), else, for a database in memory that dies with the process, a key of the
    process's own. PostgreSQL without GRIDPAY_SECRET_KEY has none: commands that sign or key digests refuse."""
    if configured:
        if is_weak(configured):
            return "", (f"GRIDPAY_SECRET_KEY 太弱：至少 {MIN_LENGTH} 个字符、{MIN_DISTINCT_CHARACTERS} 种以上不同字符，"
                        f"且不能是 {DJANGO_INSECURE_PREFIX} 开头的临时密钥；可用 {GENERATE} 生成一个。")
        return configured, ""
    if not is_sqlite(database):
        return "", f"未设置 GRIDPAY_SECRET_KEY：使用 PostgreSQL 时必须设置这个密钥，可用 {GENERATE} 生成一个。"
    path = embedded_key_file(database)
    if path is None:
        return new_secret_key(), ""
    try:
        kept = read_key_file(path)
    except (OSError, UnicodeDecodeError) as error:
        return "", f"无法读取密钥文件 {path}（{error}）：请检查它的权限，或设置 GRIDPAY_SECRET_KEY。"
    if kept is None:
        return "", (f"没有密钥文件 {path}：gridpay 命令会在数据库旁生成它；"
                    f"或设置 GRIDPAY_SECRET_KEY，可用 {GENERATE} 生成一个。")
    if is_weak(kept):
        return "", f"密钥文件 {path} 的内容不是有效的密钥：请从备份恢复，或设置 GRIDPAY_SECRET_KEY。"
    return kept, ""


def is_weak(key: str) -> bool:
    return len(key) < MIN_LENGTH or len(set(key)) < MIN_DISTINCT_CHARACTERS or key.startswith(DJANGO_INSECURE_PREFIX)
