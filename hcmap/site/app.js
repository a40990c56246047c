// The hosting-capacity map: vector tiles of marts.hosting_capacity_records from one PMTiles
// archive, coloured by remaining capacity, with a popup per feature and a radius panel.
// Everything it loads comes from this site's own folder.
import * as maplibregl from './vendor/maplibre-gl.mjs';
import { layerProperties } from './mvt.js';

const EARTH_RADIUS_KM = 6371.0088;  // as hc_nearby in the warehouse's macros
const MAX_LISTED_SITES = 500;
const EMPTY = { type: 'FeatureCollection', features: [] };

async function loadJSON(path) {
  const response = await fetch(path);
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

const [meta, utilities, states] = await Promise.all(
  ['data/meta.json', 'data/utilities.json', 'data/states.geojson'].map(loadJSON));
const utilityByCode = Object.fromEntries(utilities.map((u) => [u.utility_code, u]));
const staleCodes = utilities.filter((u) => u.is_stale).map((u) => u.utility_code);
const state = { kind: 'generation', utility: '' };

const archiveUrl = new URL('data/records.pmtiles', window.location.href).href;
const archive = new pmtiles.PMTiles(archiveUrl);
const protocol = new pmtiles.Protocol();
protocol.add(archive);
maplibregl.addProtocol('pmtiles', protocol.tile);

// ---- colours -------------------------------------------------------------------------------

function colourBy(property) {
  const value = ['to-number', ['get', property]];
  const expression = ['case', ['!', ['has', property]], meta.legend.no_value.colour];
  for (const bin of meta.legend.bins) {
    if (bin.upper_mw === null) expression.push(bin.colour);
    else expression.push(['<=', value, bin.upper_mw], bin.colour);
  }
  return expression;
}

const colour = colourBy('remaining_capacity_mw');
// Summary dots carry the index of their legend bin, not a value.
const binColour = ['match', ['to-number', ['get', 'remaining_bin'], -1],
  ...meta.legend.bins.flatMap((bin, index) => [index, bin.colour]), meta.legend.no_value.colour];
const isStale = ['in', ['get', 'utility_code'], ['literal', staleCodes]];
const geometryIs = (...types) => ['in', ['geometry-type'], ['literal', types]];
const drawn = ['!', ['to-boolean', ['get', 'centroid_only']]];
const lineWidth = (extra) => ['interpolate', ['linear'], ['zoom'], 11, 2 + extra, 14, 4 + extra,
                              18, 8 + extra];
const staleColour = meta.legend.stale.colour;
const detail = { source: 'records', 'source-layer': 'records', minzoom: meta.tiles.detail_minzoom };
const summary = { source: 'records', 'source-layer': 'summary', maxzoom: meta.tiles.summary_maxzoom + 1 };

// [id, layer, its own filter]; the kind and utility filters are added to each.
const dataLayers = [
  ['summary-stale', { ...summary, type: 'circle',
    paint: { 'circle-radius': 5.5, 'circle-color': staleColour } }, isStale],
  ['summary', { ...summary, type: 'circle',
    paint: { 'circle-radius': 3.5, 'circle-color': binColour } }, true],
  ['cells', { ...detail, type: 'fill', paint: { 'fill-color': colour } },
    geometryIs('Polygon', 'MultiPolygon')],
  ['cells-stale', { ...detail, type: 'line',
    paint: { 'line-color': staleColour, 'line-width': 2, 'line-dasharray': [2, 1] } },
    ['all', geometryIs('Polygon', 'MultiPolygon'), isStale]],
  ['lines-stale', { ...detail, type: 'line',
    paint: { 'line-color': staleColour, 'line-width': lineWidth(4) } },
    ['all', geometryIs('LineString', 'MultiLineString'), isStale]],
  ['lines', { ...detail, type: 'line', paint: { 'line-color': colour, 'line-width': lineWidth(0) } },
    geometryIs('LineString', 'MultiLineString')],
  ['points', { ...detail, type: 'circle',
    paint: { 'circle-radius': 5, 'circle-color': colour,
             'circle-stroke-width': ['case', isStale, 2.5, 0],
             'circle-stroke-color': staleColour } },
    ['all', geometryIs('Point', 'MultiPoint'), drawn]],
];
const clickable = ['summary', 'cells', 'lines', 'points'];

function layerFilter(own) {
  const filter = ['all', own, ['==', ['get', 'capacity_kind'], state.kind]];
  if (state.utility) filter.push(['==', ['get', 'utility_code'], state.utility]);
  return filter;
}

const bounds = meta.bounds || [-125, 24, -66, 50];
const map = new maplibregl.Map({
  container: 'map',
  bounds: [[bounds[0], bounds[1]], [bounds[2], bounds[3]]],
  fitBoundsOptions: { padding: 30 },
  maxZoom: 19,
  attributionControl: { compact: false },
  style: {
    version: 8,
    sources: {
      states: { type: 'geojson', data: states,
                attribution: 'State outlines: U.S. Census Bureau (us-atlas)' },
      records: { type: 'vector', url: `pmtiles://${archiveUrl}`,
                 attribution: 'Hosting capacity: the utilities\' published maps' },
      radius: { type: 'geojson', data: EMPTY },
      sites: { type: 'geojson', data: EMPTY },
    },
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': '#e4eaf0' } },
      { id: 'states-fill', type: 'fill', source: 'states', paint: { 'fill-color': '#fafaf7' } },
      { id: 'states-line', type: 'line', source: 'states',
        paint: { 'line-color': '#a3adb8', 'line-width': 0.8 } },
      ...dataLayers.map(([id, layer, own]) => ({ id, ...layer, filter: layerFilter(own) })),
      { id: 'radius', type: 'line', source: 'radius',
        paint: { 'line-color': '#2463eb', 'line-width': 2, 'line-dasharray': [3, 2] } },
      { id: 'sites', type: 'circle', source: 'sites',
        paint: { 'circle-radius': 6, 'circle-opacity': 0, 'circle-stroke-width': 2,
                 'circle-stroke-color': '#2463eb' } },
    ],
  },
});
map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');
window.hcMap = map;

function applyFilters() {
  for (const [id, , own] of dataLayers) map.setFilter(id, layerFilter(own));
}

// ---- controls ------------------------------------------------------------------------------

function text(tag, content, attributes = {}) {
  const element = document.createElement(tag);
  if (content !== undefined && content !== null) element.textContent = content;
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  return element;
}

function drawLegend() {
  const list = document.getElementById('legend');
  const entries = [...meta.legend.bins.map((b) => [b.colour, b.label, 'bin']),
                   [meta.legend.no_value.colour, meta.legend.no_value.label, 'no-value'],
                   [staleColour, meta.legend.stale.label, 'stale']];
  for (const [swatch, label, kind] of entries) {
    const item = text('li', null, { 'data-legend': kind });
    const box = text('span', null, { class: `swatch ${kind}`, 'data-colour': swatch });
    box.style.background = kind === 'stale' ? 'transparent' : swatch;
    if (kind === 'stale') box.style.borderColor = swatch;
    item.append(box, text('span', label));
    list.append(item);
  }
  document.getElementById('zoom-note').textContent =
    `Below zoom ${meta.tiles.detail_minzoom}, each dot stands for the records around it and ` +
    'shows the most remaining capacity among them; zoom in for segments.';
}

function fillUtilities() {
  const select = document.getElementById('utility');
  for (const u of utilities) {
    const label = `${u.utility_name} (${u.record_count.toLocaleString('en-US')})` +
      (u.is_stale ? ' - stale' : '');
    select.append(text('option', label, { value: u.utility_code }));
  }
  select.addEventListener('change', () => {
    state.utility = select.value;
    const u = utilityByCode[state.utility];
    document.getElementById('utility-note').textContent = u
      ? `Data vintage ${u.data_vintage_date ?? 'unknown'}${u.is_stale ? ', older than 100 days (stale)' : ''}.`
      : `${utilities.length} utilities, ${meta.records.toLocaleString('en-US')} mapped records.`;
    applyFilters();
    const b = u && boundsOf(u.utility_code);
    if (b) map.fitBounds(b, { padding: 40, maxZoom: 12 });
  });
  select.dispatchEvent(new Event('change'));
  for (const radio of document.querySelectorAll('input[name=kind]')) {
    radio.addEventListener('change', () => { state.kind = radio.value; applyFilters(); });
  }
}

function boundsOf(code) {
  const u = utilityByCode[code];
  return u && u.bounds ? [[u.bounds[0], u.bounds[1]], [u.bounds[2], u.bounds[3]]] : null;
}

// ---- popup ---------------------------------------------------------------------------------

const MW = new Intl.NumberFormat('en-US', { minimumFractionDigits: 3, maximumFractionDigits: 3 });

function mwCell(value) {
  if (value === undefined || value === null) return text('td', '-', { 'data-value': '' });
  return text('td', `${MW.format(value)} MW`, { 'data-value': String(value) });
}

function row(table, label, cell, field) {
  cell.setAttribute('data-field', field);
  const tr = text('tr');
  tr.append(text('th', label), cell);
  table.append(tr);
}

function recordPopup(p) {
  const u = utilityByCode[p.utility_code] || { utility_name: p.utility_code };
  const box = text('div', null, { class: 'popup', 'data-utility-code': p.utility_code,
                                  'data-source-layer': p.source_layer,
                                  'data-source-object-id': String(p.source_object_id) });
  box.append(text('h3', u.utility_name));
  const table = text('table');
  const feeder = [p.feeder_name, p.feeder_id_external].filter((v) => v != null);
  row(table, 'Feeder', text('td', feeder.length === 2 && feeder[0] !== feeder[1]
    ? `${feeder[0]} (${feeder[1]})` : (feeder[0] ?? '-'),
  { 'data-value': p.feeder_id_external ?? '' }), 'feeder');
  row(table, 'Substation', text('td', p.substation_name ?? '-'), 'substation_name');
  row(table, 'Capacity for', text('td', p.capacity_kind), 'capacity_kind');
  row(table, 'Hosting capacity', mwCell(p.hosting_capacity_mw), 'hosting_capacity_mw');
  if (p.generation_capacity_peak_mw != null) {
    row(table, 'Generation (peak)', mwCell(p.generation_capacity_peak_mw),
        'generation_capacity_peak_mw');
  }
  const remaining = mwCell(p.remaining_capacity_mw);
  if (p.remaining_capacity_source) remaining.append(text('span', ` (${p.remaining_capacity_source})`, { class: 'aside' }));
  row(table, 'Remaining', remaining, 'remaining_capacity_mw');
  row(table, 'Installed DG', mwCell(p.installed_dg_mw), 'installed_dg_mw');
  row(table, 'Queued DG', mwCell(p.queued_dg_mw), 'queued_dg_mw');
  row(table, 'Constraint', text('td', p.constraining_metric ?? 'none published'), 'constraining_metric');
  const vintage = text('td', u.data_vintage_date ?? 'unknown', { 'data-value': u.data_vintage_date ?? '' });
  if (u.is_stale) vintage.append(text('span', ' stale: older than 100 days', { class: 'stale-badge' }));
  row(table, 'Data vintage', vintage, 'data_vintage_date');
  const bound = p.capacity_is_lower_bound;
  row(table, 'Lower bound', text('td', bound === true
    ? 'yes: published at the layer\'s ceiling, the real capacity is at least this'
    : bound === false ? 'no' : 'unknown', { 'data-value': String(bound ?? '') }),
  'capacity_is_lower_bound');
  const source = text('td');
  if (u.service_url) {
    source.append(text('a', 'utility\'s map service', { href: u.service_url, target: '_blank', rel: 'noopener' }));
  } else source.textContent = '-';
  row(table, 'Source', source, 'source');
  box.append(table, text('p', `record ${p.source_layer} #${p.source_object_id}`, { class: 'aside' }));
  return box;
}

function summaryPopup(p) {
  const u = utilityByCode[p.utility_code] || { utility_name: p.utility_code };
  const box = text('div', null, { class: 'popup summary' });
  box.append(text('h3', u.utility_name));
  const bin = meta.legend.bins[p.remaining_bin];
  box.append(text('p', `${p.records.toLocaleString('en-US')} ${p.capacity_kind} records here; ` +
    `the most remaining capacity among them: ${bin ? bin.label : 'no value published'}. ` +
    'Zoom in to see each segment.'));
  return box;
}

const popup = new maplibregl.Popup({ maxWidth: '360px' });

// ---- sites near a point --------------------------------------------------------------------

function haversineKm(lat, lon, lat2, lon2) {
  const rad = (d) => d * Math.PI / 180;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.sqrt(
    Math.sin(rad(lat2 - lat) / 2) ** 2
    + Math.cos(rad(lat)) * Math.cos(rad(lat2)) * Math.sin(rad(lon2 - lon) / 2) ** 2));
}

function tileX(lon, z) {
  return Math.min(Math.max(Math.floor((lon + 180) / 360 * 2 ** z), 0), 2 ** z - 1);
}

function tileY(lat, z) {
  const φ = Math.max(Math.min(lat, 85.0511287798066), -85.0511287798066) * Math.PI / 180;
  const y = (1 - Math.log(Math.tan(Math.PI / 4 + φ / 2)) / Math.PI) / 2;
  return Math.min(Math.max(Math.floor(y * 2 ** z), 0), 2 ** z - 1);
}

// Every record whose centroid lies within radiusKm of (lat, lon): each record is in the
// deepest tile that holds its centroid, so the tiles covering the circle's box hold them all.
async function recordsNear(lat, lon, radiusKm) {
  const z = meta.tiles.maxzoom;
  const dLat = radiusKm / EARTH_RADIUS_KM * 180 / Math.PI + 1e-6;
  const nearPole = Math.min(Math.abs(lat) + dLat, 89.9);
  const dLon = dLat / Math.cos(nearPole * Math.PI / 180) + 1e-6;
  const jobs = [];
  for (let x = tileX(lon - dLon, z); x <= tileX(lon + dLon, z); x++) {
    for (let y = tileY(lat + dLat, z); y <= tileY(lat - dLat, z); y++) {
      jobs.push(archive.getZxy(z, x, y));
    }
  }
  const found = new Map();
  for (const tile of await Promise.all(jobs)) {
    if (!tile) continue;
    for (const { properties: p } of layerProperties(tile.data, 'records')) {
      const key = `${p.utility_code}|${p.source_layer}|${p.source_object_id}`;
      if (found.has(key)) continue;
      const distance = haversineKm(lat, lon, p.centroid_lat, p.centroid_lon);
      if (distance <= radiusKm) found.set(key, { ...p, key, distance_km: distance });
    }
  }
  return [...found.values()].sort((a, b) => a.distance_km - b.distance_km
    || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

let chosen = null;
let sitesRun = 0;

function circle(lat, lon, radiusKm) {
  const ring = [];
  for (let i = 0; i <= 96; i++) {
    const bearing = 2 * Math.PI * i / 96;
    const δ = radiusKm / EARTH_RADIUS_KM;
    const φ1 = lat * Math.PI / 180, λ1 = lon * Math.PI / 180;
    const φ2 = Math.asin(Math.sin(φ1) * Math.cos(δ) + Math.cos(φ1) * Math.sin(δ) * Math.cos(bearing));
    const λ2 = λ1 + Math.atan2(Math.sin(bearing) * Math.sin(δ) * Math.cos(φ1),
                                Math.cos(δ) - Math.sin(φ1) * Math.sin(φ2));
    ring.push([λ2 * 180 / Math.PI, φ2 * 180 / Math.PI]);
  }
  return { type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: ring } };
}

async function updateSites() {
  if (!chosen) return;
  const run = ++sitesRun;
  const section = document.getElementById('sites');
  section.dataset.state = 'loading';
  const nameplateKw = Number(document.getElementById('nameplate-kw').value);
  const radiusKm = Number(document.getElementById('radius-km').value);
  const { lat, lon } = chosen;
  document.getElementById('sites-point').textContent =
    `Point ${lat.toFixed(5)}, ${lon.toFixed(5)}; radius ${radiusKm} km; nameplate ${nameplateKw} kW.`;
  const note = document.getElementById('pre-application');
  note.hidden = !(nameplateKw > meta.pre_application_kw);
  note.textContent = `Above ${meta.pre_application_kw} kW: request the utility's pre-application ` +
    'report (SCE\'s, for one) to confirm the circuit\'s hosting capacity before paying the ' +
    'interconnection application fee.';
  map.getSource('radius').setData({ type: 'FeatureCollection', features: [circle(lat, lon, radiusKm)] });
  const near = await recordsNear(lat, lon, radiusKm);
  if (run !== sitesRun) return;  // a newer click or input took over
  const sites = near.filter((p) => p.capacity_kind === 'generation'
    && (p.generation_capacity_peak_mw ?? p.hosting_capacity_mw) != null
    && (p.generation_capacity_peak_mw ?? p.hosting_capacity_mw) * 1000 >= nameplateKw);
  const body = document.querySelector('#sites-table tbody');
  body.replaceChildren();
  for (const p of sites.slice(0, MAX_LISTED_SITES)) {
    const tr = text('tr', null, { 'data-key': p.key, 'data-distance-km': String(p.distance_km) });
    const u = utilityByCode[p.utility_code];
    tr.append(text('td', u ? u.utility_name : p.utility_code),
              text('td', p.feeder_id_external ?? '-'),
              text('td', p.distance_km.toFixed(2)),
              text('td', MW.format(p.generation_capacity_peak_mw ?? p.hosting_capacity_mw)),
              text('td', p.remaining_capacity_mw == null ? '-' : MW.format(p.remaining_capacity_mw)));
    if (u && u.is_stale) tr.classList.add('stale');
    body.append(tr);
  }
  document.getElementById('sites-table').hidden = sites.length === 0;
  document.getElementById('sites-status').textContent =
    `${sites.length.toLocaleString('en-US')} of ${near.length.toLocaleString('en-US')} ` +
    `segments within ${radiusKm} km can take ${nameplateKw} kW` +
    (sites.length > MAX_LISTED_SITES ? `; the nearest ${MAX_LISTED_SITES} are listed.` : '.');
  section.dataset.count = String(sites.length);
  section.dataset.lat = String(lat);
  section.dataset.lon = String(lon);
  section.dataset.radiusKm = String(radiusKm);
  section.dataset.nameplateKw = String(nameplateKw);
  map.getSource('sites').setData({ type: 'FeatureCollection', features: sites.slice(0, MAX_LISTED_SITES).map((p) => ({
    type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [p.centroid_lon, p.centroid_lat] } })) });
  section.dataset.state = 'ready';
}

function reportError(error) {
  console.error(error);
  document.getElementById('sites-status').textContent = `Could not read the tiles: ${error.message}`;
  document.getElementById('sites').dataset.state = 'error';
}

// ---- wiring --------------------------------------------------------------------------------

map.on('click', (event) => {
  const pad = 4;
  const hits = map.queryRenderedFeatures(
    [[event.point.x - pad, event.point.y - pad], [event.point.x + pad, event.point.y + pad]],
    { layers: clickable });
  const exact = map.queryRenderedFeatures(event.point, { layers: clickable });
  const hit = exact[0] || hits[0];
  if (hit) {
    popup.setLngLat(event.lngLat)
      .setDOMContent(hit.sourceLayer === 'summary' ? summaryPopup(hit.properties) : recordPopup(hit.properties))
      .addTo(map);
  }
  chosen = { lat: event.lngLat.lat, lon: event.lngLat.lng };
  updateSites().catch(reportError);
});
for (const id of ['nameplate-kw', 'radius-km']) {
  document.getElementById(id).addEventListener('change', () => updateSites().catch(reportError));
}
for (const id of clickable) {
  map.on('mouseenter', id, () => { map.getCanvas().style.cursor = 'pointer'; });
  map.on('mouseleave', id, () => { map.getCanvas().style.cursor = ''; });
}

drawLegend();
await map.once('load');
fillUtilities();
document.getElementById('built').textContent =
  `Built ${meta.built_at.slice(0, 16).replace('T', ' ')} UTC from the warehouse's marts; ` +
  `MapLibre GL JS ${meta.libraries['maplibre-gl']}, PMTiles ${meta.libraries.pmtiles}.`;
map.once('idle', () => { document.body.dataset.ready = 'true'; });
