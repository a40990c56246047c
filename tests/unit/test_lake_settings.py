"""HC_LAKE chooses the warehouse: set, a DuckLake that extract, dbt and readers attach with
one statement. Bad settings fail naming the setting, and a password never shows."""

from __future__ import annotations

import pytest

from extract import settings
from extract.__main__ import main


@pytest.fixture
def no_lake(monkeypatch):
    monkeypatch.delenv("HC_LAKE", raising=False)
    monkeypatch.delenv("HC_LAKE_DATA_PATH", raising=False)


def test_a_postgres_catalog_is_read_from_libpq_keywords(no_lake, tmp_path, monkeypatch):
    monkeypatch.setenv("HC_LAKE", "ducklake:postgres:dbname=hc host='db one' port=5433 "
                       "user=analyst sslmode=require")
    monkeypatch.setenv("HC_LAKE_DATA_PATH", str(tmp_path / "files"))
    lake = settings.lake()
    assert lake.kind == "postgres"
    assert lake.catalog == {"dbname": "hc", "host": "db one", "port": "5433",
                            "user": "analyst", "sslmode": "require"}
    assert lake.data_path == f"{tmp_path}/files"
    sql = settings.lake_attach_sql(lake)
    assert sql.startswith("ATTACH IF NOT EXISTS 'ducklake:postgres:postgres://analyst@")
    assert "METADATA_SCHEMA 'ducklake'" in sql and f"DATA_PATH '{tmp_path}/files'" in sql


def test_a_password_in_hc_lake_is_refused_without_repeating_it(no_lake, tmp_path, monkeypatch,
                                                               capsys):
    monkeypatch.setenv("HC_LAKE", "ducklake:postgres:dbname=hc host=db password=s3cr3t")
    monkeypatch.setenv("HC_LAKE_DATA_PATH", str(tmp_path))
    monkeypatch.setenv("HC_WAREHOUSE_DIR", str(tmp_path / "warehouse"))
    with pytest.raises(settings.LakeSettingError, match="pgpass") as error:
        settings.lake()
    assert "s3cr3t" not in str(error.value)
    assert main(["hosting-capacity", "--utility", "all"]) == 1
    captured = capsys.readouterr()
    assert "HC_LAKE: leave the password out" in captured.err
    assert "s3cr3t" not in captured.err + captured.out


@pytest.mark.parametrize(("lake", "data_path", "message"), [
    ("postgres:dbname=hc", "/tmp/x", "must start with `ducklake:`"),
    ("ducklake:postgres:dbname=hc", "", "HC_LAKE_DATA_PATH is not"),
    ("ducklake:postgres:host=db", "/tmp/x", "dbname="),
    ("ducklake:sqlite:/tmp/meta.sqlite", "/tmp/x", "catalog 'sqlite' is not supported"),
    ("ducklake:postgres:dbname=hc host", "/tmp/x", "libpq `keyword=value`"),
])
def test_unusable_lake_settings_fail_naming_the_setting(no_lake, monkeypatch, lake, data_path,
                                                        message):
    monkeypatch.setenv("HC_LAKE", lake)
    monkeypatch.setenv("HC_LAKE_DATA_PATH", data_path)
    with pytest.raises(settings.LakeSettingError, match=message.replace("(", r"\(")):
        settings.lake()
