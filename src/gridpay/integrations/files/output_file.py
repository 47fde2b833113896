"""An output file of a command that changes data: its destination checked first, written whole before the commit.

The use case writes the file inside its transaction (``OutputFile.write``: a temporary name in the same directory,
then a rename), so a file that cannot be written rolls the change back; ``output_file`` removes the file again
when the transaction fails after it was written. Either both the change and the file exist, or neither does.
"""

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from gridpay.domain.errors import DomainError


class OutputFileRefused(DomainError):
    code = "output_file_refused"


class OutputFile:
    def __init__(self, path: Path, *, overwrite: bool = False) -> None:
        self.path = path
        self.overwrite = overwrite
        self.written = False

    def check(self) -> None:
        """Refuses a destination that could not be written, before anything is changed."""
        directory = self.path.parent if str(self.path.parent) else Path(".")
        if self.path.is_dir():
            raise OutputFileRefused(f"{self.path} 是一个目录，请给出文件名", field="out")
        if self.path.exists() and not self.overwrite:
            raise OutputFileRefused(f"{self.path} 已存在：不覆盖，请换一个文件名", field="out")
        if not directory.is_dir():
            raise OutputFileRefused(f"目录 {directory} 不存在", field="out")
        if not os.access(directory, os.W_OK | os.X_OK):
            raise OutputFileRefused(f"没有权限写入目录 {directory}", field="out")

    def write(self, content: bytes | str) -> None:
        """The whole file under a temporary name, flushed to disk, then given its name.

        Readable by its owner only (mkstemp's 0600): PINs, bank batches and receipts name people and money.
        """
        data = content.encode("utf-8") if isinstance(content, str) else content
        directory = self.path.parent if str(self.path.parent) else Path(".")
        try:
            handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{self.path.name}.", suffix=".part")
        except OSError as error:
            raise OutputFileRefused(f"无法写入 {self.path}：{error.strerror}", field="out") from None
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            self._name(temporary)
        except OSError as error:
            raise OutputFileRefused(f"无法写入 {self.path}：{error.strerror}", field="out") from None
        finally:
            Path(temporary).unlink(missing_ok=True)
        self.written = True

    def _name(self, temporary: str) -> None:
        if self.overwrite:
            os.replace(temporary, self.path)
            return
        try:
            os.link(temporary, self.path)  # fails if the name was taken meanwhile: never overwrites
        except FileExistsError:
            raise OutputFileRefused(f"{self.path} 已存在：不覆盖，请换一个文件名", field="out") from None

    def discard(self) -> None:
        if self.written:
            self.path.unlink(missing_ok=True)
            self.written = False


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
