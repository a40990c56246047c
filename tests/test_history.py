"""Three refreshes of one utility on the replica, built after each, and the history and
change marts compared with an answer worked out here from what the replica served.

The replica serves ACE's layer at three vintages: the first as published; the second with
some features revised, some removed and some added; the third republished under new object
ids (overlapping the old ones), with a few more revised and removed. The expected answer
follows each feature by the id it was first served under, which the marts never see: they
must find the same identities from what was loaded alone.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest
import yaml

from extract.dbt_launch import dbt_env, run_dbt
from extract.numbers import parse_quantity
from replicas.arcgis import ArcGISReplica, protocol_catalog
from replicas.arcgis.catalog import PHI_URL
from replicas.server import ReplicaServer

REPO = Path(__file__).resolve().parents[1]
ACE_CONFIG = REPO / "tests" / "doubles" / "protocol_configs" / "utilities" / "ace.yaml"
ACE_LAYER = (PHI_URL, 4)
VINTAGES = (datetime(2026, 1, 10, 6, tzinfo=UTC), datetime(2026, 4, 10, 6, tzinfo=UTC),
            datetime(2026, 7, 10, 6, tzinfo=UTC))
RENUMBER_SHIFT = 3  # new ids overlap the old: id 4 now names the feature first served as 1


def text(value: object) -> str | None:
    return None if value is None or str(value).strip() == "" else str(value).strip()


@dataclass(frozen=True)
class Record:
    """One served feature as the marts should hold it (ACE: one generation record per
    feature, kW, net hosting capacity)."""

    source_object_id: int
    source_item: int
    capacity_kind: str
    feeder_id_external: str | None
    hosting_capacity_mw: float | None
    hosting_capacity_min_mw: float | None
    hosting_capacity_max_mw: float | None
    installed_dg_mw: float | None
    queued_dg_mw: float | None
    constraining_metric_raw: str | None
    voltage_kv: float | None
    phase_config: str | None

    @property
    def remaining_capacity_mw(self) -> float | None:
        return self.hosting_capacity_mw  # net semantics: hosting capacity is what is left


def served_records(arcgis: ArcGISReplica, field_map: dict[str, str]) -> dict[int, Record]:
    """first object id -> the record, for every feature the layer serves now."""
    layer = arcgis.layer(*ACE_LAYER)
    source = {canonical: field for field, canonical in field_map.items()}
    records = {}
    for feature in arcgis.features(*ACE_LAYER):
        values = feature["attributes"]

        def mw(canonical: str, values=values) -> float | None:
            number = parse_quantity(values.get(source[canonical]), canonical, "kw")
            return None if number is None else number / 1000.0

        oid = values[layer.object_id_field]
        records[layer.first_object_id(oid)] = Record(
            source_object_id=oid, source_item=1, capacity_kind="generation",
            feeder_id_external=text(values.get(source["feeder_id_external"])),
            hosting_capacity_mw=mw("hosting_capacity_mw"),
            hosting_capacity_min_mw=mw("hosting_capacity_min_mw"),
            hosting_capacity_max_mw=mw("hosting_capacity_max_mw"),
            installed_dg_mw=mw("installed_dg_mw"), queued_dg_mw=mw("queued_dg_mw"),
            constraining_metric_raw=values.get(source["constraining_metric"]),
            voltage_kv=parse_quantity(values.get(source["voltage_kv"]), "voltage_kv", "kw"),
            phase_config=text(values.get(source["phase_config"])))
    return records


def expected_history(vintages: list[dict[int, Record]]) -> list[tuple]:
    """(record, valid_from, valid_to, is_current) per version: a version lasts while its
    record is served with the same values and id."""
    versions = []
    open_versions: dict[int, list] = {}
    for at, served in zip(VINTAGES, vintages, strict=True):
        for born in list(open_versions):
            if served.get(born) != open_versions[born][0]:
                open_versions.pop(born)[2] = at
        for born, record in served.items():
            if born not in open_versions:
                open_versions[born] = [record, at, None, born]
                versions.append(open_versions[born])
    return sorted(((tuple(vars(record).values()), valid_from, valid_to, valid_to is None)
                   for record, valid_from, valid_to, _ in versions), key=repr)


def dominant(metrics: list[str | None]) -> str | None:
    counts = Counter(m for m in metrics if m is not None)
    return min(counts, key=lambda m: (-counts[m], m)) if counts else None


def feeder_figures(served: dict[int, Record], canonical: dict[str, str]) -> dict:
    by_feeder = defaultdict(list)
    for born, record in served.items():
        if record.feeder_id_external is not None:
            by_feeder[record.feeder_id_external].append((born, record))

    def largest(values):
        values = [v for v in values if v is not None]
        return max(values) if values else None

    return {feeder: {
        "members": {born for born, _ in pairs},
        "hosting": largest(r.hosting_capacity_max_mw if r.hosting_capacity_max_mw is not None
                           else r.hosting_capacity_mw for _, r in pairs),
        "remaining": largest(r.remaining_capacity_mw for _, r in pairs),
        "installed": largest(r.installed_dg_mw for _, r in pairs),
        "queued": largest(r.queued_dg_mw for _, r in pairs),
        "constraint": dominant([canonical.get(r.constraining_metric_raw) for _, r in pairs]),
    } for feeder, pairs in by_feeder.items()}


def minus(after: float | None, before: float | None) -> float | None:
    return None if after is None or before is None else after - before


def change_kind(before: dict | None, after: dict | None) -> str:
    if before is None:
        return "new"
    if after is None:
        return "removed"
    delta = minus(after["remaining"], before["remaining"])
    if not delta:  # did not move, or not comparable: the hosting capacity decides
        delta = minus(after["hosting"], before["hosting"])
    if delta is not None and delta < 0:
        return "capacity_down"
    if delta is not None and delta > 0:
        return "capacity_up"
    return "constraint_changed" if before["constraint"] != after["constraint"] else "unchanged"


def expected_changes(vintages: list[dict[int, Record]], canonical: dict[str, str]) -> list:
    rows = []
    previous_at, previous = None, {}
    for at, served in zip(VINTAGES, vintages, strict=True):
        current = feeder_figures(served, canonical)
        for feeder in sorted(set(previous) | set(current)):
            before, after = previous.get(feeder), current.get(feeder)
            row = [feeder, previous_at, at, change_kind(before, after)]
            for figure in ("hosting", "remaining", "installed", "queued"):
                b = before[figure] if before else None
                a = after[figure] if after else None
                row += [b, a, minus(a, b)]
            members_before = before["members"] if before else set()
            members_after = after["members"] if after else set()
            row += [before["constraint"] if before else None,
                    after["constraint"] if after else None,
                    len(members_before), len(members_after),
                    len(members_after - members_before), len(members_before - members_after)]
            rows.append(tuple(row))
        previous_at, previous = at, current
    return sorted(rows, key=repr)


RECORD_COLUMNS = ", ".join(Record.__dataclass_fields__)
CHANGE_COLUMNS = """feeder_id_external, previous_vintage_at, current_vintage_at, change_kind,
    hosting_capacity_mw_before, hosting_capacity_mw_after, hosting_capacity_mw_delta,
    remaining_capacity_mw_before, remaining_capacity_mw_after, remaining_capacity_mw_delta,
    installed_dg_mw_before, installed_dg_mw_after, installed_dg_mw_delta,
    queued_dg_mw_before, queued_dg_mw_after, queued_dg_mw_delta,
    dominant_constraint_before, dominant_constraint_after,
    segment_count_before, segment_count_after, segments_added, segments_removed"""


def marts_query(warehouse_dir: Path, sql: str, *params: object) -> list[tuple]:
    with duckdb.connect(str(warehouse_dir / "marts.duckdb"), read_only=True) as con:
        con.execute("load spatial; set TimeZone = 'UTC'")
        return con.execute(sql, list(params)).fetchall()


def history_rows(warehouse_dir: Path) -> list[tuple]:
    return sorted((((*row[:-3],), row[-3], row[-2], row[-1]) for row in marts_query(
        warehouse_dir, f"select {RECORD_COLUMNS}, valid_from, valid_to, is_current "
                       "from hosting_capacity_history")), key=repr)


@dataclass
class Refreshes:
    warehouse_dir: Path
    served: list[dict[int, Record]]  # per vintage: first object id -> record
    records_after_first: list[tuple]
    history_after_second: list[tuple]
    changes_after_second: list[tuple]
    reruns: dict[str, tuple[list, list, list]]  # what a re-run left: runs, history, changes
    keys: list[tuple]  # (record_key, source_object_id, valid_from)


@pytest.fixture(scope="module")
def refreshes(tmp_path_factory) -> Refreshes:
    root = tmp_path_factory.mktemp("history")
    config_dir, warehouse_dir = root / "configs", root / "warehouse"
    (config_dir / "utilities").mkdir(parents=True)
    config_path = config_dir / "utilities" / "ace.yaml"
    config_path.write_text(ACE_CONFIG.read_text())
    field_map = yaml.safe_load(ACE_CONFIG.read_text())["layers"][0]["field_map"]
    env = {"HC_CONFIG_DIR": str(config_dir), "HC_WAREHOUSE_DIR": str(warehouse_dir)}
    arcgis = ArcGISReplica(protocol_catalog())
    layer = arcgis.layer(*ACE_LAYER)
    served, reruns = [], {}

    def build() -> None:
        result = run_dbt("build", env=dbt_env(config_dir, warehouse_dir), timeout=900)
        assert result.returncode == 0, result.stdout[-4000:]

    def refresh(at: datetime, *args: str) -> None:
        from extract.__main__ import main

        layer.touch(at)
        assert main(["hosting-capacity", "--utility", "ace", *args]) == 0
        build()

    def state() -> tuple[list, list, list]:
        with duckdb.connect(str(warehouse_dir / "hosting_capacity.duckdb"),
                            read_only=True) as con:
            runs = con.execute("select status from raw_arcgis.ingestion_runs "
                               "order by started_at").fetchall()
        changes = marts_query(warehouse_dir, f"select {CHANGE_COLUMNS} "
                                             "from hosting_capacity_changes")
        return runs, history_rows(warehouse_dir), sorted(changes, key=repr)

    with ReplicaServer(apps=[arcgis]) as server, pytest.MonkeyPatch.context() as patch:
        for key, value in {**env, "HC_REPLICA_URL": server.url}.items():
            patch.setenv(key, value)
        ids = [f["attributes"][layer.object_id_field] for f in arcgis.features(*ACE_LAYER)]
        feeder_field = next(f for f, c in field_map.items() if c == "feeder_id_external")
        feeders = [f["attributes"][feeder_field] for f in arcgis.features(*ACE_LAYER)]

        refresh(VINTAGES[0])
        served.append(served_records(arcgis, field_map))
        records_after_first = marts_query(
            warehouse_dir, f"select {RECORD_COLUMNS} from hosting_capacity_records")

        layer.revise_features(ids[0:300:3])  # 100 features get new values
        layer.remove_features([oid for oid, feeder in zip(ids, feeders, strict=True)
                               if feeder == feeders[400]])  # a whole feeder gone
        layer.remove_features(ids[300:310])  # and part of another
        layer.add_features(12)
        refresh(VINTAGES[1])
        served.append(served_records(arcgis, field_map))
        _, history_after_second, changes_after_second = state()

        refresh(VINTAGES[1])  # nothing changed on the server: skipped as unchanged
        reruns["unchanged"] = state()
        refresh(VINTAGES[1], "--force")  # fetched again, same data: no vintage either
        reruns["forced"] = state()

        layer.renumber(RENUMBER_SHIFT)
        now_ids = [f["attributes"][layer.object_id_field]
                   for f in arcgis.features(*ACE_LAYER)]
        layer.revise_features(now_ids[1000:1010])
        layer.remove_features(now_ids[1500:1503])
        refresh(VINTAGES[2])
        served.append(served_records(arcgis, field_map))
    keys = marts_query(warehouse_dir, "select record_key, source_object_id, valid_from "
                                      "from hosting_capacity_history")
    return Refreshes(warehouse_dir, served, records_after_first, history_after_second,
                     changes_after_second, reruns, keys)


def canonical_metrics(warehouse_dir: Path) -> dict[str, str]:
    """How the build read each published constraint text (int_constraints_canonicalized,
    unit-tested on its own)."""
    return dict(marts_query(warehouse_dir, "select distinct constraining_metric_raw, "
                            "constraining_metric from hosting_capacity_history "
                            "where constraining_metric is not null"))


def test_history_holds_every_version_of_three_refreshes_exactly(refreshes):
    assert history_rows(refreshes.warehouse_dir) == expected_history(refreshes.served)


def test_records_keep_their_key_across_vintages_even_when_ids_are_reassigned(refreshes):
    """Versions of one record share a key, and only they do: the key groups versions
    exactly as the first object id the replica served each feature under does."""
    at_vintage = {}
    for index, served in enumerate(refreshes.served):
        for born, record in served.items():
            at_vintage[(record.source_object_id, VINTAGES[index])] = born
    groups = defaultdict(set)
    for record_key, oid, valid_from in refreshes.keys:
        groups[record_key].add(at_vintage[(oid, valid_from)])
    assert all(len(borns) == 1 for borns in groups.values())
    assert len(groups) == len(set().union(*(served.keys() for served in refreshes.served)))


def test_changes_list_every_feeder_at_every_vintage_exactly(refreshes):
    canonical = canonical_metrics(refreshes.warehouse_dir)
    changes = marts_query(refreshes.warehouse_dir,
                          f"select {CHANGE_COLUMNS} from hosting_capacity_changes")
    assert sorted(changes, key=repr) == expected_changes(refreshes.served, canonical)
    kinds = Counter(row[3] for row in changes)
    assert {"new", "removed", "capacity_down", "capacity_up", "unchanged"} <= set(kinds), kinds


def test_storage_grows_with_what_changed_not_with_refreshes(refreshes):
    first, second, _ = refreshes.served
    changed = sum(1 for born, record in second.items() if first.get(born) != record)
    versions_after_second = len(refreshes.history_after_second)
    assert versions_after_second == len(first) + changed
    assert changed == 100 + 12  # the revised and the added features, nothing else


def test_an_unchanged_rerun_creates_no_vintage(refreshes):
    for how, (_, history, changes) in refreshes.reruns.items():
        assert history == refreshes.history_after_second, how
        assert changes == refreshes.changes_after_second, how
    assert refreshes.reruns["unchanged"][0][-1] == ("skipped_unchanged",)
    assert refreshes.reruns["forced"][0][-1] == ("success",)


def test_hc_as_of_returns_what_the_first_refresh_loaded(refreshes):
    between_first_and_second = date(2026, 2, 1)
    as_of = marts_query(refreshes.warehouse_dir,
                        f"select {RECORD_COLUMNS} from hc_as_of(?)", between_first_and_second)
    assert sorted(as_of) == sorted(refreshes.records_after_first)
    on_the_day = marts_query(refreshes.warehouse_dir, "select count(*), min(valid_from) "
                             "from hc_as_of(?)", VINTAGES[1].date())[0]
    assert on_the_day == (len(refreshes.served[1]), VINTAGES[0])
    before_anything = marts_query(refreshes.warehouse_dir, "select count(*) from hc_as_of(?)",
                                  date(2025, 12, 31))
    assert before_anything == [(0,)]


def test_hc_as_of_today_is_the_current_records(refreshes):
    records = marts_query(refreshes.warehouse_dir,
                          f"select {RECORD_COLUMNS} from hosting_capacity_records")
    today = marts_query(refreshes.warehouse_dir,
                        f"select {RECORD_COLUMNS} from hc_as_of(current_date)")
    assert sorted(today) == sorted(records)


def test_hc_feeder_history_gives_one_feeders_vintages_in_order(refreshes):
    feeder = refreshes.served[0][1].feeder_id_external  # revised at the second vintage
    rows = marts_query(refreshes.warehouse_dir, "select current_vintage_at, change_kind, "
                       "segment_count_after from hc_feeder_history('ace', ?)", feeder)
    assert [row[0] for row in rows] == list(VINTAGES)
    assert rows[0][1] == "new"
    expected = [row for row in expected_changes(refreshes.served, canonical_metrics(
        refreshes.warehouse_dir)) if row[0] == feeder]
    assert [(row[2], row[3], row[19]) for row in expected] == rows


def test_changes_at_the_latest_vintage_agree_with_the_feeders_mart(refreshes):
    disagreements = marts_query(refreshes.warehouse_dir, """
        select feeders.feeder_id_external
        from hosting_capacity_feeders as feeders
        full outer join (
            select * from hosting_capacity_changes
            where change_kind <> 'removed' and feeder_id_external is not null
              and current_vintage_at = (
                select max(current_vintage_at) from hosting_capacity_changes)
        ) as changes using (utility_code, feeder_id_external)
        where feeders.segment_count is distinct from changes.segment_count_after
           or feeders.hosting_capacity_max_mw is distinct from changes.hosting_capacity_mw_after
           or feeders.remaining_capacity_mw is distinct from changes.remaining_capacity_mw_after
           or feeders.installed_dg_mw is distinct from changes.installed_dg_mw_after
           or feeders.queued_dg_mw is distinct from changes.queued_dg_mw_after
           or feeders.dominant_constraint is distinct from changes.dominant_constraint_after""")
    assert disagreements == []


def test_a_redrawn_segment_keeps_its_record_by_its_id_and_a_moved_one_is_new(world):
    """Place first, then object id: a segment redrawn under its id is the same record; one
    redrawn and renumbered cannot be told from a new one and is a new record."""
    world.use_config("ace")
    assert world.extract("--utility", "ace") == 0

    def build() -> None:
        result = run_dbt("build", timeout=900)
        assert result.returncode == 0, result.stdout[-4000:]

    build()
    redrawn, moved = world.query("select min(source_object_id), max(source_object_id) "
                                 "from raw_arcgis.features")[0]
    new_line = '{"type": "LineString", "coordinates": [[-74.5, 39.4], [-74.49, 39.41]]}'
    with duckdb.connect(str(world.warehouse_dir / "hosting_capacity.duckdb")) as con:
        # The server's next vintage, as a new run holding the same rows with two segments
        # redrawn (a run the history already holds is never compared again).
        con.execute("update raw_arcgis.features set geometry = ?::json "
                    "where source_object_id in (?, ?)", [new_line, redrawn, moved])
        con.execute("update raw_arcgis.features set source_object_id = 999999 "
                    "where source_object_id = ?", [moved])
        con.execute("update raw_arcgis.features set ingestion_run_id = 'redrawn-run'")
        con.execute("""update raw_arcgis.ingestion_runs set run_id = 'redrawn-run',
                       layer_fingerprints =
                       '{"dg": {"url": "x", "last_edit_date": "2027-01-01T00:00:00+00:00"}}'
                       where status = 'success'""")
    build()
    versions = marts_query(world.warehouse_dir, """
        select source_object_id, count(*) over (partition by record_key), valid_from, valid_to
        from hosting_capacity_history
        where source_object_id in (?, ?, 999999) order by source_object_id, valid_from""",
                           redrawn, moved)
    new_vintage = datetime(2027, 1, 1, tzinfo=UTC)
    first = versions[0][2]
    assert [(oid, versions_of_record, valid_to) for oid, versions_of_record, _, valid_to
            in versions] == [(redrawn, 2, new_vintage), (redrawn, 2, None),
                             (moved, 1, new_vintage), (999999, 1, None)]
    assert versions[1][2] == versions[3][2] == new_vintage and first < new_vintage
    changes = marts_query(world.warehouse_dir, """select sum(segments_added),
        sum(segments_removed) from hosting_capacity_changes where current_vintage_at = ?""",
                          new_vintage)
    assert changes == [(1, 1)]


def test_changes_built_one_refresh_at_a_time_equal_a_full_rebuild(refreshes):
    """hosting_capacity_changes is incremental (each build lists only new vintages): after
    three refreshes its rows are those of a rebuild from the whole history."""
    database = refreshes.warehouse_dir / "hosting_capacity.duckdb"

    def changes() -> list[tuple]:
        with duckdb.connect(str(database), read_only=True) as con:
            con.execute("set TimeZone = 'UTC'")
            return sorted(con.execute(f"select {CHANGE_COLUMNS} "
                                      "from marts.hosting_capacity_changes").fetchall(), key=repr)

    incremental = changes()
    result = run_dbt("run", "--full-refresh", "--select", "hosting_capacity_changes",
                     env=dbt_env(warehouse_dir=refreshes.warehouse_dir), timeout=600)
    assert result.returncode == 0, result.stdout[-4000:]
    assert changes() == incremental
    assert len(incremental) > len(refreshes.changes_after_second)


def test_records_without_a_feeder_are_listed_as_cells_one_by_one(world):
    """A record with no feeder id (a grid cell, a bus) is a unit of its own in the changes,
    followed by its record key: new at its first vintage, then capacity_up or unchanged
    (ACE publishes kW of net hosting capacity: 100 kW is 0.1 MW remaining)."""
    config = world.use_config("ace")
    field_map = config["layers"][0]["field_map"]
    feeder_field = next(f for f, c in field_map.items() if c == "feeder_id_external")
    hosting_field = next(f for f, c in field_map.items() if c == "hosting_capacity_mw")
    assert world.extract("--utility", "ace") == 0
    grown, kept = world.query("select min(source_object_id), max(source_object_id) "
                              "from raw_arcgis.features")[0]
    database = world.warehouse_dir / "hosting_capacity.duckdb"
    with duckdb.connect(str(database)) as con:  # two features published without a feeder
        con.execute("update raw_arcgis.features set raw_attributes = json_merge_patch("
                    "raw_attributes, json_object(?, null, ?, 100)) "
                    "where source_object_id in (?, ?)", [feeder_field, hosting_field, grown, kept])
    assert run_dbt("build", timeout=900).returncode == 0
    with duckdb.connect(str(database)) as con:  # the next vintage: one cell has more room
        con.execute("update raw_arcgis.features set raw_attributes = json_merge_patch("
                    "raw_attributes, json_object(?, 250)) where source_object_id = ?",
                    [hosting_field, grown])
        con.execute("update raw_arcgis.features set ingestion_run_id = 'next-run'")
        con.execute("""update raw_arcgis.ingestion_runs set run_id = 'next-run',
                       layer_fingerprints =
                       '{"dg": {"url": "x", "last_edit_date": "2027-01-01T00:00:00+00:00"}}'
                       where status = 'success'""")
    assert run_dbt("build", timeout=900).returncode == 0
    cells = marts_query(world.warehouse_dir, """
        select history.source_object_id, changes.current_vintage_at = ?, changes.change_kind,
               changes.remaining_capacity_mw_before, changes.remaining_capacity_mw_after,
               changes.segment_count_after
        from hosting_capacity_changes as changes
        inner join (select distinct record_key, source_object_id
                    from hosting_capacity_history) as history
            on changes.cell_record_key = history.record_key
        order by 1, 2""", datetime(2027, 1, 1, tzinfo=UTC))
    assert cells == [(grown, False, "new", None, 0.1, 1),
                     (grown, True, "capacity_up", 0.1, 0.25, 1),
                     (kept, False, "new", None, 0.1, 1),
                     (kept, True, "unchanged", 0.1, 0.1, 1)]
