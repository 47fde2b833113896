"""Meter models: what decides the reconnection, refused when it makes no sense; the migration installs the same."""

import importlib

import pytest

from gridpay.domain.meter_models import BUILT_IN, UNKNOWN, MeterModel, MeterModelInvalid, ReconnectWay


def test_only_a_model_that_takes_1c_is_closed_directly_and_an_unknown_one_is_not() -> None:
    assert MeterModel(code="X", name="x", direct_close=True).reconnect_way == ReconnectWay.DIRECT
    assert MeterModel(code="Y", name="y").reconnect_way == ReconnectWay.CLOSE_PERMITTED
    assert UNKNOWN.reconnect_way == ReconnectWay.CLOSE_PERMITTED


@pytest.mark.parametrize("bad", [{"password_level": 3}, {"rates": 5}, {"freeze_depth": 63}, {"freeze_depth": 0},
                                 {"code": " "}])
def test_a_model_without_sense_is_refused(bad: dict[str, object]) -> None:
    with pytest.raises(MeterModelInvalid):
        MeterModel(**{"code": "M", "name": "m", **bad})  # type: ignore[arg-type]


def test_the_migration_installs_the_built_in_models_as_the_domain_has_them() -> None:
    migration = importlib.import_module("gridpay.data.migrations.0021_meter_models")
    assert [(m.code, m.name, m.relay.value, m.direct_close, m.rates) for m in BUILT_IN] == migration.BUILT_IN
