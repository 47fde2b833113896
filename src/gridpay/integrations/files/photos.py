"""Photos kept on disk (the paper receipts of home collections): named by their content, written whole."""

import hashlib
import os
import tempfile
from pathlib import Path

from gridpay.domain.errors import DomainError
from gridpay.domain.texts import gettext_noop


class PhotoNotStored(DomainError):
    code = "photo_not_stored"
    http_status = 503


def store_photo(*, directory: Path, data: bytes, suffix: str) -> str:
    """Writes ``data`` under ``directory`` and returns its name there (``ab/abcdef….jpg``).

    The name is the content's SHA-256, so the same photo sent twice is one file, and a file left by a transaction
    that then rolled back is harmless (nothing names it, and the same upload later finds it in place).
    """
    digest = hashlib.sha256(data).hexdigest()
    name = f"{digest[:2]}/{digest}{suffix}"
    target = directory / name
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists() and target.stat().st_size == len(data):
            return name
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as error:
        raise PhotoNotStored(gettext_noop("照片无法保存到 {directory}：{error}"), field="photo",
                             params={"directory": directory, "error": error.strerror or error}) from None
    return name
