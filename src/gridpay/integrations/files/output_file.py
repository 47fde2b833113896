"""An output file of a command that changes data: its destination checked first, written whole before the commit.

The use case writes the file inside its transaction (``OutputFile.write``: a temporary name in the same directory,
then a rename), so a file that cannot be written rolls the change back; ``output_file`` removes the file again
when the transaction does not commit after it was written, and keeps it once it has (whatever fails later). Either
both the change and the file exist, or neither does.
"""

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import transaction

from gridpay.domain.errors import DomainError
from gridpay.domain.texts import gettext_noop


class OutputFileRefused(DomainError):
    code = "output_file_refused"


class OutputFile:
    def __init__(self, path: Path, *, overwrite: bool = False) -> None:
        self.path = path
        self.overwrite = overwrite
        self.written = False
        self.committed = False  # the change the file goes with is in the database: the file stays

    def check(self) -> None:
        """Refuses a destination that could not be written, before anything is changed."""
        directory = self.path.parent if str(self.path.parent) else Path(".")
        if self.path.is_dir():
            raise OutputFileRefused(
                gettext_noop("{path} 是一个目录，请给出文件名"), field="out", params={"path": self.path},
            )
        if self.path.exists() and not self.overwrite:
            raise OutputFileRefused(
                gettext_noop("{path} 已存在：不覆盖，请换一个文件名"), field="out", params={"path": self.path},
            )
        if not directory.is_dir():
            raise OutputFileRefused(
                gettext_noop("目录 {directory} 不存在"), field="out", params={"directory": directory},
            )
        if not os.access(directory, os.W_OK | os.X_OK):
            raise OutputFileRefused(
                gettext_noop("没有权限写入目录 {directory}"), field="out", params={"directory": directory},
            )

    def write(self, content: bytes | str) -> None:
        """The whole file under a temporary name, flushed to disk, then given its name.

        Readable by its owner only (mkstemp's 0600): PINs, bank batches and receipts name people and money.
        """
        data = content.encode("utf-8") if isinstance(content, str) else content
        directory = self.path.parent if str(self.path.parent) else Path(".")
        try:
            handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{self.path.name}.", suffix=".part")
        except OSError as error:
            raise OutputFileRefused(gettext_noop("无法写入 {path}：{reason}"), field="out",
                                    params={"path": self.path, "reason": error.strerror}) from None
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            self._name(temporary)
        except OSError as error:
            raise OutputFileRefused(gettext_noop("无法写入 {path}：{reason}"), field="out",
                                    params={"path": self.path, "reason": error.strerror}) from None
        finally:
            Path(temporary).unlink(missing_ok=True)
        self.written = True
        _sync_directory(directory)
        transaction.on_commit(self._keep)  # at once outside a transaction

    def _keep(self) -> None:
        self.committed = True

    def _name(self, temporary: str) -> None:
        if self.overwrite:
            os.replace(temporary, self.path)
            return
        try:
            os.link(temporary, self.path)  # fails if the name was taken meanwhile: never overwrites
        except FileExistsError:
            raise OutputFileRefused(gettext_noop("{path} 已存在：不覆盖，请换一个文件名"), field="out",
                                    params={"path": self.path}) from None

    def discard(self) -> None:
        """The file goes again, unless the change it goes with committed."""
        if self.written and not self.committed:
            self.path.unlink(missing_ok=True)
            self.written = False


def _sync_directory(directory: Path) -> None:
    """The new name on disk too, so that a power cut after the commit does not lose the only copy of the PINs."""
    try:
        handle = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass  # some file systems cannot sync a directory; the file itself is synced
    finally:
        os.close(handle)


@contextmanager
def output_file(path: Path, *, overwrite: bool = False) -> Iterator[OutputFile]:
    """Checks ``path``; if the body fails after the file was written (the change rolled back), removes it."""
    out = OutputFile(path, overwrite=overwrite)
    out.check()
    try:
        yield out
    except BaseException:
        out.discard()
        raise
