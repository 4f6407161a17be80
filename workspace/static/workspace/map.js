// The workspace's maps (MapLibre, served from npm as on the map page): the inbox's complaints with
// the agency's service area, or one complaint's place with its subdistrict. Boundaries come from
// the project's own vector tiles and OGC API collections: no outside tiles.
(function () {
  "use strict";
  const element = document.getElementById("map");
  if (!element || !window.maplibregl) return;
  const origin = window.location.origin;
  const tiles = (layer) => ({ type: "vector", tiles: [origin + "/tiles/" + layer + "/{z}/{x}/{y}.mvt"], maxzoom: 14 });
  const empty = { type: "FeatureCollection", features: [] };
  const dataElement = document.getElementById("inbox-data");
  const points = dataElement ? JSON.parse(dataElement.textContent) : empty;
  const single = element.dataset.point ? element.dataset.point.split(",").map(Number) : null;
  if (single) {
    points.features = [{ type: "Feature", geometry: { type: "Point", coordinates: single }, properties: { status: "here" } }];
  }
  const map = new maplibregl.Map({
    container: element,
    center: single || [100.55, 13.75],
    zoom: single ? 14 : 9,
    attributionControl: { compact: true, customAttribution: "OCHA / RTSD, BMA" },
    style: {
      version: 8,
      sources: {
        provinces: tiles("provinces"), districts: tiles("districts"), subdistricts: tiles("subdistricts"),
        area: { type: "geojson", data: empty }, complaints: { type: "geojson", data: points },
      },
      layers: [
        { id: "background", type: "background", paint: { "background-color": "#dfe9f2" } },
        { id: "land", type: "fill", source: "provinces", "source-layer": "provinces", paint: { "fill-color": "#fbfaf6" } },
        { id: "area", type: "fill", source: "area", paint: { "fill-color": "#3a6ea5", "fill-opacity": 0.12 } },
        { id: "area-line", type: "line", source: "area", paint: { "line-color": "#3a6ea5", "line-width": 2 } },
        { id: "subdistrict-lines", type: "line", source: "subdistricts", "source-layer": "subdistricts", minzoom: 10,
          paint: { "line-color": "#b8b8b8", "line-width": 0.5 } },
        { id: "district-lines", type: "line", source: "districts", "source-layer": "districts", minzoom: 7,
          paint: { "line-color": "#8c8c8c", "line-width": 1 } },
        { id: "here", type: "fill", source: "subdistricts", "source-layer": "subdistricts",
          filter: ["==", ["get", "code"], element.dataset.subdistrict || "-"], paint: { "fill-color": "#fdbb84", "fill-opacity": 0.3 } },
        { id: "complaints", type: "circle", source: "complaints",
          paint: { "circle-radius": 6, "circle-stroke-color": ["case", ["==", ["get", "overdue"], true], "#7f0000", "#fff"],
                   "circle-stroke-width": ["case", ["==", ["get", "overdue"], true], 2.5, 1],
                   "circle-color": ["match", ["get", "status"], "waiting", "#d7301f", "in_progress", "#fc8d59",
                     "forwarded", "#9e66ab", "follow_up", "#fdbb84", "finished", "#1a9850", "here", "#b10026", "#555"] } },
      ],
    },
  });
  window.workspaceMap = map;
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }));

  function fit(features) {
    if (!features.length) return;
    const bounds = new maplibregl.LngLatBounds();
    features.forEach(function (f) { extend(bounds, f.geometry.coordinates); });
    map.fitBounds(bounds, { padding: 30, maxZoom: 14, duration: 0 });
  }
  function extend(bounds, coords) {
    if (typeof coords[0] === "number") bounds.extend(coords); else coords.forEach(function (c) { extend(bounds, c); });
  }
  map.on("load", function () {
    if (!single) fit(points.features);
    const code = element.dataset.area;
    if (code) {
      fetch(origin + "/ogc/collections/service_areas/items?code=" + encodeURIComponent(code) + "&limit=1")
        .then(function (r) { return r.ok ? r.json() : empty; })
        .then(function (doc) {
          map.getSource("area").setData(doc);
          // The list's complaints within the agency's whole area: where they are, and where not.
          if (!single) fit(points.features.concat(doc.features || []));
          document.body.dataset.area = String((doc.features || []).length);
        })
        .catch(function () { document.body.dataset.area = "0"; });
    }
    document.body.dataset.mapReady = "1";
  });
  map.on("click", "complaints", function (event) {
    const id = event.features[0].properties.id;
    if (id) window.location.href = "/work/complaints/" + id + "/";
  });
})();
