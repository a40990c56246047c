"""The map site (`make map`) built from the replica warehouse and looked at in headless
Chromium, driven by Playwright: what it draws, its popups and its radius panel must say what
the marts say."""

from __future__ import annotations

import io
import json
import os
import shutil
from pathlib import Path

import duckdb
import httpx
import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, sync_playwright
from replica_warehouse import STALE_UTILITY

from hcmap.build import MapBuildError, build_site
from hcmap.legend import REMAINING_MW_BINS, STALE_OUTLINE, colour_for
from hcmap.serve import SiteServer
from hcmap.tiles import tile_ids

CHROMIUM = Path(os.environ.get("HC_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 960, "height": 640}
SHOWN_UTILITY = "pepco"


@pytest.fixture(scope="module")
def site(replica_warehouse, tmp_path_factory) -> Path:
    _, warehouse_dir = replica_warehouse
    out = tmp_path_factory.mktemp("map") / "map"
    build_site(warehouse_dir / "marts.duckdb", out)
    return out


@pytest.fixture(scope="module")
def marts(replica_warehouse):
    _, warehouse_dir = replica_warehouse
    with duckdb.connect(str(warehouse_dir / "marts.duckdb"), read_only=True) as con:
        con.execute("load spatial")
        yield con


@pytest.fixture(scope="module")
def server(site):
    with SiteServer(site, port=0) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Browser:
    if not CHROMIUM.exists():
        pytest.fail(f"the map's browser tests need Debian's Chromium at {CHROMIUM}: run "
                    "`sudo apt-get install -y --no-install-recommends chromium` (make setup "
                    "does it when run as root), or point HC_CHROMIUM at a Chromium binary")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                              args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


class MapPage:
    """One tab on the site, recording console errors and any request that leaves the site."""

    def __init__(self, browser: Browser, url: str):
        self.page: Page = browser.new_page(viewport=VIEWPORT)
        self.errors: list[str] = []
        self.foreign_requests: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("requestfailed", lambda r: self.errors.append(f"{r.url}: {r.failure}"))

        def only_the_site(route):
            if route.request.url.startswith(url) or route.request.url.startswith(("data:",
                                                                                  "blob:")):
                route.continue_()
            else:
                self.foreign_requests.append(route.request.url)
                route.abort()

        self.page.route("**/*", only_the_site)
        self.page.goto(url)
        self.page.wait_for_selector("body[data-ready=true]", state="attached", timeout=30_000)

    def show(self, lon: float, lat: float, zoom: float) -> None:
        self.page.evaluate("""([lon, lat, zoom]) => new Promise((done) => {
            window.hcMap.once('idle', done);
            window.hcMap.jumpTo({center: [lon, lat], zoom});
            window.hcMap.triggerRepaint();
        })""", [lon, lat, zoom])

    def pixel_of(self, points: list[tuple[float, float]]) -> list[tuple[float, float]]:
        """Where (lon, lat) points are on the page (the map canvas's offset added)."""
        return [tuple(p) for p in self.page.evaluate("""(points) => {
            const box = window.hcMap.getCanvas().getBoundingClientRect();
            return points.map(([lon, lat]) => {
                const p = window.hcMap.project([lon, lat]);
                return [p.x + box.left, p.y + box.top];
            });
        }""", points)]

    def screenshot(self) -> np.ndarray:
        image = Image.open(io.BytesIO(self.page.screenshot())).convert("RGB")
        return np.asarray(image).astype(int)

    def close(self) -> None:
        self.page.close()


@pytest.fixture(scope="module")
def map_page(browser, server):
    """One tab for the module's tests, as a user would keep it open: loading the site costs
    seconds in software-rendered WebGL."""
    opened = MapPage(browser, server.url)
    yield opened
    opened.close()


def rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)])


def colour_near(shot: np.ndarray, x: float, y: float, colour: str, reach: int = 3) -> bool:
    """Whether a pixel within `reach` of (x, y) has the colour (to rendering's rounding)."""
    h, w, _ = shot.shape
    x0, x1 = max(int(x) - reach, 0), min(int(x) + reach + 1, w)
    y0, y1 = max(int(y) - reach, 0), min(int(y) + reach + 1, h)
    window = shot[y0:y1, x0:x1]
    return bool((np.abs(window - rgb(colour)).max(axis=2) <= 3).any())


def line_midpoints(marts, utility: str, limit: int = 400) -> list[tuple]:
    """(object id, remaining MW, lon, lat) at the middle of each of the utility's lines."""
    return marts.execute("""
        select source_object_id, remaining_capacity_mw,
               st_x(st_lineinterpolatepoint(geom, 0.5)), st_y(st_lineinterpolatepoint(geom, 0.5))
        from marts.hosting_capacity_records
        where utility_code = ? and st_geometrytype(geom) = 'LINESTRING'
        order by source_object_id limit ?""", [utility, limit]).fetchall()


def in_view(shot: np.ndarray, x: float, y: float, margin: int = 12) -> bool:
    h, w, _ = shot.shape
    return 340 + margin < x < w - margin and 40 + margin < y < h - margin


def test_map_page_loads_from_the_site_alone_without_console_errors(map_page):
    map_page.show(-77.0, 38.95, 12)
    assert map_page.errors == []
    assert map_page.foreign_requests == []
    legend = map_page.page.eval_on_selector_all(
        "#legend [data-legend=bin] .swatch", "boxes => boxes.map(b => b.dataset.colour)")
    assert legend == [colour for _, colour, _ in REMAINING_MW_BINS]


def test_segments_are_drawn_in_their_legend_colour_where_the_records_are(map_page, marts):
    first = line_midpoints(marts, SHOWN_UTILITY, 1)[0]
    map_page.show(first[2], first[3], 12.5)
    shot = map_page.screenshot()
    records = line_midpoints(marts, SHOWN_UTILITY)
    pixels = map_page.pixel_of([(lon, lat) for _, _, lon, lat in records])
    checked = [(colour_for(remaining), colour_near(shot, x, y, colour_for(remaining)))
               for (_, remaining, _, _), (x, y) in zip(records, pixels, strict=True)
               if in_view(shot, x, y)]
    assert len(checked) >= 20, "the view should hold a good number of the utility's segments"
    drawn_in_own_colour = sum(found for _, found in checked)
    assert drawn_in_own_colour >= 0.9 * len(checked)  # the rest lie under another segment
    assert len({colour for colour, found in checked if found}) >= 3


def test_stale_utilities_segments_carry_the_dark_outline_and_fresh_ones_do_not(map_page,
                                                                               marts):
    outline = STALE_OUTLINE[0]
    for utility, stale in ((STALE_UTILITY, True), (SHOWN_UTILITY, False)):
        first = line_midpoints(marts, utility, 1)[0]
        map_page.show(first[2], first[3], 12.5)
        shot = map_page.screenshot()
        records = line_midpoints(marts, utility, 200)
        pixels = [p for p in map_page.pixel_of([(lon, lat) for _, _, lon, lat in records])
                  if in_view(shot, *p)]
        outlined = sum(colour_near(shot, x, y, outline, reach=6) for x, y in pixels)
        assert len(pixels) >= 10
        if stale:
            assert outlined >= 0.9 * len(pixels), utility
        else:
            assert outlined == 0, utility


def test_kind_switch_and_utility_filter_choose_what_is_drawn(map_page, marts):
    page = map_page.page
    first = line_midpoints(marts, SHOWN_UTILITY, 1)[0]

    def drawn() -> dict[tuple[str, str], int]:
        map_page.show(first[2], first[3], 12.5)
        return {tuple(k.split("|")): n for k, n in page.evaluate("""() => {
            const counts = {};
            for (const f of window.hcMap.queryRenderedFeatures({layers: ['lines', 'cells']})) {
                const key = f.properties.utility_code + '|' + f.properties.capacity_kind;
                counts[key] = (counts[key] || 0) + 1;
            }
            return Object.entries(counts);
        }""")}

    assert drawn().get((SHOWN_UTILITY, "generation"), 0) > 20
    page.select_option("#utility", STALE_UTILITY)
    assert all(utility == STALE_UTILITY for utility, _ in drawn())
    page.select_option("#utility", "")
    page.check("input[name=kind][value=load]")
    assert all(kind == "load" for _, kind in drawn())
    page.check("input[name=kind][value=generation]")
    assert drawn().get((SHOWN_UTILITY, "generation"), 0) > 20
    assert map_page.errors == []


def isolated_line(marts, utility: str) -> tuple:
    """A line of the utility whose middle is at least ~200 m from every other record."""
    return marts.execute("""
        with candidates as (
            select source_object_id, st_lineinterpolatepoint(geom, 0.5) as middle
            from marts.hosting_capacity_records
            where utility_code = ? and st_geometrytype(geom) = 'LINESTRING'
            order by source_object_id limit 300
        )
        select c.source_object_id, st_x(c.middle), st_y(c.middle),
               min(st_distance(c.middle, r.geom)) as clearance
        from candidates c
        join marts.hosting_capacity_records r
          on r.geom is not null and not (r.utility_code = ? and r.source_object_id =
                                         c.source_object_id)
         and st_dwithin(c.middle, r.geom, 0.01)
        group by all
        order by clearance desc limit 1""", [utility, utility]).fetchone()


def test_clicking_a_segment_opens_a_popup_with_that_records_numbers(map_page, marts):
    object_id, lon, lat, clearance = isolated_line(marts, SHOWN_UTILITY)
    assert clearance > 0.002
    record = marts.execute("""
        select r.feeder_id_external, r.substation_name, r.hosting_capacity_mw,
               r.remaining_capacity_mw, r.installed_dg_mw, r.queued_dg_mw,
               r.constraining_metric, r.capacity_kind, u.data_vintage_date, u.service_url,
               r.source_layer
        from marts.hosting_capacity_records r join marts.utilities u using (utility_code)
        where r.utility_code = ? and r.source_object_id = ?""",
                           [SHOWN_UTILITY, object_id]).fetchone()
    (feeder, substation, hosting, remaining, installed, queued, constraint, kind, vintage,
     service_url, layer) = record
    map_page.show(lon, lat, 15)
    (x, y), = map_page.pixel_of([(lon, lat)])
    map_page.page.mouse.click(x, y)
    popup = map_page.page.wait_for_selector(".maplibregl-popup .popup")
    assert popup.get_attribute("data-utility-code") == SHOWN_UTILITY
    assert popup.get_attribute("data-source-layer") == layer
    assert popup.get_attribute("data-source-object-id") == str(object_id)

    def field(name: str) -> tuple[str, str]:
        cell = popup.query_selector(f"[data-field={name}]")
        return cell.get_attribute("data-value"), cell.inner_text()

    for name, expected in (("hosting_capacity_mw", hosting), ("remaining_capacity_mw", remaining),
                           ("installed_dg_mw", installed), ("queued_dg_mw", queued)):
        value, shown = field(name)
        if expected is None:
            assert value == "" and shown.strip() == "-", name
            continue
        assert float(value) == expected, name
        assert float(shown.split()[0].replace(",", "")) == pytest.approx(expected, abs=5e-4)
    assert field("feeder")[0] == feeder
    assert field("substation_name")[1] == (substation or "-")
    assert field("constraining_metric")[1] == (constraint or "none published")
    assert field("capacity_kind")[1] == kind
    assert field("data_vintage_date")[0] == vintage.isoformat()
    has_flag = marts.execute("select count(*) from duckdb_columns() where table_name = "
                             "'hosting_capacity_records' and column_name = "
                             "'capacity_is_lower_bound'").fetchone()[0]
    lower_bound = marts.execute(
        "select capacity_is_lower_bound from marts.hosting_capacity_records where utility_code"
        " = ? and source_object_id = ?", [SHOWN_UTILITY, object_id]).fetchone()[0] \
        if has_flag else None
    expected_flag = {True: "yes", False: "no", None: "unknown"}[lower_bound]
    assert field("capacity_is_lower_bound")[1].startswith(expected_flag)
    assert popup.query_selector("[data-field=source] a").get_attribute("href") == service_url
    assert map_page.errors == []


def test_radius_panel_lists_what_hc_nearby_finds_that_can_take_the_nameplate(map_page, marts):
    object_id, lon, lat, _ = isolated_line(marts, SHOWN_UTILITY)
    map_page.show(lon + 0.01, lat + 0.005, 12)
    page = map_page.page
    for nameplate_kw, radius_km in ((1000, 4), (400, 6)):
        page.fill("#nameplate-kw", str(nameplate_kw))
        page.fill("#radius-km", str(radius_km))
        (x, y), = map_page.pixel_of([(lon + 0.013, lat + 0.004)])
        page.mouse.click(x, y)
        page.wait_for_function("document.getElementById('sites').dataset.state === 'ready'"
                               f" && document.getElementById('sites').dataset.nameplateKw"
                               f" === '{nameplate_kw}'")
        panel = page.query_selector("#sites")
        click_lat, click_lon = float(panel.get_attribute("data-lat")), float(
            panel.get_attribute("data-lon"))
        listed = page.eval_on_selector_all(
            "#sites-table tbody tr",
            "rows => rows.map(r => [r.dataset.key, Number(r.dataset.distanceKm)])")
        expected = marts.execute("""
            select utility_code || '|' || source_layer || '|' || source_object_id, distance_km
            from hc_nearby(?, ?, ?)
            where capacity_kind = 'generation'
              and coalesce(generation_capacity_peak_mw, hosting_capacity_mw) * 1000 >= ?
            order by distance_km, 1""", [click_lat, click_lon, radius_km, nameplate_kw]
        ).fetchall()
        assert 3 <= len(expected) < 500, "the chosen point should have a short list"
        assert [key for key, _ in listed] == [key for key, _ in expected]
        for (_, shown_km), (_, expected_km) in zip(listed, expected, strict=True):
            assert shown_km == pytest.approx(expected_km, abs=1e-9)
        assert panel.get_attribute("data-count") == str(len(expected))
        note_shown = page.is_visible("#pre-application")
        needs_report = marts.execute(
            "select bool_or(needs_pre_application) from hc_sites_for_project(?, -180, -90, 180, "
            "90)", [nameplate_kw]).fetchone()[0]
        assert note_shown is needs_report is (nameplate_kw > 500)
    assert map_page.errors == []


def test_a_warehouse_without_capacity_kind_maps_every_record_as_generation(replica_warehouse,
                                                                          tmp_path):
    _, warehouse_dir = replica_warehouse
    marts_copy = tmp_path / "marts.duckdb"
    shutil.copyfile(warehouse_dir / "marts.duckdb", marts_copy)
    with duckdb.connect(str(marts_copy)) as con:
        con.execute("alter table hosting_capacity_records drop column capacity_kind")
        mapped = con.execute("select count(*) from hosting_capacity_records "
                             "where geom is not null").fetchone()[0]
    report = build_site(marts_copy, tmp_path / "map")
    meta = json.loads((tmp_path / "map" / "data" / "meta.json").read_text())
    assert "capacity_kind" in report.stood_in and "capacity_kind" in meta["stood_in_columns"]
    assert report.records == meta["records"] == mapped


def test_building_without_a_marts_file_names_the_file_and_leaves_the_old_site(tmp_path):
    old_site = tmp_path / "map"
    old_site.mkdir()
    (old_site / "index.html").write_text("the previous site")
    missing = tmp_path / "nowhere" / "marts.duckdb"
    with pytest.raises(MapBuildError, match=str(missing)):
        build_site(missing, old_site)
    assert (old_site / "index.html").read_text() == "the previous site"


def test_site_server_answers_the_byte_ranges_pmtiles_asks_for(site, server):
    archive = (site / "data" / "records.pmtiles").read_bytes()
    url = f"{server.url}data/records.pmtiles"
    with httpx.Client() as client:
        first = client.get(url, headers={"Range": "bytes=0-16383"})
        last = client.get(url, headers={"Range": "bytes=-100"})
        beyond = client.get(url, headers={"Range": f"bytes={len(archive)}-"})
        whole = client.get(url)
    assert first.status_code == 206 and first.content == archive[:16384]
    assert first.headers["content-range"] == f"bytes 0-16383/{len(archive)}"
    assert last.status_code == 206 and last.content == archive[-100:]
    assert beyond.status_code == 416
    assert whole.status_code == 200 and whole.content == archive


def test_tile_ids_follow_the_pmtiles_hilbert_order():
    from pmtiles.tile import zxy_to_tileid

    for z in (0, 1, 7, 12):
        side = 1 << z
        xs = np.arange(side * side) % side
        ys = np.arange(side * side) // side
        if side > 64:
            xs, ys = xs[:: max(1, side * side // 4096)], ys[:: max(1, side * side // 4096)]
        expected = [zxy_to_tileid(z, int(x), int(y)) for x, y in zip(xs, ys, strict=True)]
        assert [int(i) for i in tile_ids(z, xs, ys)] == expected
