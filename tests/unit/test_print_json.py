"""`--json` output is written a piece at a time (issue 20 point 7: a million-row import's report stays under 1 GiB):
what reaches standard output is the whole document, exactly as one json.dumps would write it."""

import json
from dataclasses import dataclass
from datetime import date

import pytest

from gridpay.interfaces.output import print_json, to_jsonable


@dataclass(frozen=True)
class Rejected:
    row_number: int
    code: str
    message: str


def test_a_report_far_larger_than_a_block_is_written_whole_and_exactly(capsys: pytest.CaptureFixture[str]) -> None:
    report = {"day": date(2025, 1, 1), "rejected": [Rejected(n, "unknown_meter", f"没有表号 M{n:08d} 的电能表")
                                                      for n in range(20_000)]}
    print_json(report)
    out = capsys.readouterr().out
    assert out == json.dumps(to_jsonable(report), ensure_ascii=False, indent=2) + "\n"
    assert len(json.loads(out)["rejected"]) == 20_000
