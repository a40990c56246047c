"""`make bench` is not timed in tests, but its parts must keep working as the code changes:
each is run here at a small size, and its results checked."""

import duckdb

from replicas import bench


def test_dbt_section_builds_the_synthetic_records_both_ways(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(bench, "BENCH_DIR", tmp_path)
    database = bench.dbt_vs_raw_sql(records=2_000)
    printed = capsys.readouterr().out
    for line in ("dbt build:", "raw SQL:", "ratio dbt build/raw SQL:", "dbt's fixed cost"):
        assert line in printed
    with duckdb.connect(str(database), read_only=True) as con:
        records = con.execute("select count(*), count(geom), round(sum(hosting_capacity_mw), 6) "
                              "from marts.hosting_capacity_records "
                              "where utility_code = 'bench'").fetchone()
    # HC_KW is (i * 37) % 5000 kW for i in 0..1999, written as "1,234" text
    expected_mw = sum((i * 37) % 5000 for i in range(2_000)) / 1000
    assert records == (2_000, 2_000, round(expected_mw, 6))


def test_national_section_checks_the_macros_against_their_full_scan_twins(capsys, monkeypatch,
                                                                         tmp_path):
    monkeypatch.setattr(bench, "BENCH_DIR", tmp_path)
    bench.siting_at_national_scale(records=20_000)  # asserts equal answers itself
    printed = capsys.readouterr().out
    assert "dbt build, every model and test:" in printed
    for macro in ("hc_nearby", "hc_in_bbox", "hc_sites_for_project"):
        line = next(line for line in printed.splitlines() if line.strip().startswith(macro))
        assert "ms median" in line and "full scan" in line
        assert not line.rstrip().endswith("; 0 rows"), line
def test_map_section_builds_a_small_site_and_times_its_first_render(capsys, monkeypatch,
                                                                    tmp_path):
    monkeypatch.setattr(bench, "BENCH_DIR", tmp_path)
    meta = bench.map_site(records=2_000)
    printed = capsys.readouterr().out
    for line in ("build:", "site:", "the same tiles as per-zoom files:",
                 "first render in headless Chromium:"):
        assert line in printed
    assert meta["records"] == 2_000
    assert meta["tiles"]["count"] > 0


def test_history_section_keeps_one_version_per_changed_record(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(bench, "BENCH_DIR", tmp_path)
    figures = bench.history_refresh(records=4_000, repeats=1)
    printed = capsys.readouterr().out
    for line in ("one vintage:", "added by the refresh:", "ratio with/without history:"):
        assert line in printed
    # 1 record in 20 changed: one new version each, the rest not copied
    assert (figures["versions"], figures["changed"]) == (4_000 + 200, 200)
    assert 0 < figures["added_share"] < 1


def test_lake_section_times_extract_build_and_macros_in_the_lake_and_the_file(
        capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(bench, "BENCH_DIR", tmp_path)
    bench.lake_against_file(features=2_000, records=20_000)  # asserts equal macro answers
    printed = capsys.readouterr().out
    assert "extract 2,000 features: file" in printed and "ratio lake/file" in printed
    assert "dbt build on 20,000 records: file" in printed
    for macro in ("hc_nearby", "hc_in_bbox", "hc_sites_for_project"):
        line = next(line for line in printed.splitlines() if line.strip().startswith(macro))
        assert "lake" in line and "file" in line and not line.rstrip().endswith("; 0 rows")


def test_refresh_section_rebuilds_the_refreshed_utility_only(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(bench, "BENCH_DIR", tmp_path)
    figures = bench.refresh_of_one_utility(records=5 * 400, utilities=5)
    printed = capsys.readouterr().out
    for line in ("full build:", "after u03's refresh:", "ratio refresh/full build:"):
        assert line in printed
    with duckdb.connect(str(figures["database"]), read_only=True) as con:
        runs = con.execute("select utility_code, any_value(ingestion_run_id), count(*) "
                           "from marts.hosting_capacity_records group by all "
                           "order by all").fetchall()
        bumped = con.execute("select count(*) from marts.hosting_capacity_history "
                             "where not is_current").fetchone()[0]
    assert runs == [(f"u0{n}", f"u0{n}-{2 if n == 3 else 1}", 400) for n in range(1, 6)]
    assert bumped == 400 // 20  # 1 record in 20 of u03 changed
