// The executives' map of overdue work: the area's boundaries from the project's vector tiles and
// the overdue complaints (GeoJSON from /work/exec/overdue.geojson), larger when escalated.
(function () {
  "use strict";
  const element = document.getElementById("overdue-map");
  if (!element || !window.maplibregl) return;
  const origin = window.location.origin;
  const box = element.dataset.bbox ? element.dataset.bbox.split(",").map(Number) : [97.3, 5.6, 105.7, 20.5];
  const map = new maplibregl.Map({
    container: element,
    bounds: [[box[0], box[1]], [box[2], box[3]]],
    fitBoundsOptions: { padding: 10 },
    cooperativeGestures: true,
    attributionControl: { customAttribution: "Boundaries: OCHA / Royal Thai Survey Department" },
    style: {
      version: 8,
      sources: {
        provinces: { type: "vector", tiles: [origin + "/tiles/provinces/{z}/{x}/{y}.mvt"], maxzoom: 14 },
        districts: { type: "vector", tiles: [origin + "/tiles/districts/{z}/{x}/{y}.mvt"], maxzoom: 14 },
        overdue: { type: "geojson", data: element.dataset.src },
      },
      layers: [
        { id: "background", type: "background", paint: { "background-color": "#dfe9f2" } },
        { id: "land", type: "fill", source: "provinces", "source-layer": "provinces", paint: { "fill-color": "#fbfaf6" } },
        { id: "district-lines", type: "line", source: "districts", "source-layer": "districts", minzoom: 6,
          paint: { "line-color": "#9a9a9a", "line-width": 0.8 } },
        { id: "province-lines", type: "line", source: "provinces", "source-layer": "provinces",
          paint: { "line-color": "#555", "line-width": 1.4 } },
        { id: "overdue", type: "circle", source: "overdue",
          paint: { "circle-radius": ["case", [">", ["get", "escalation_level"], 0], 7, 4.5],
                   "circle-color": "#c0392b", "circle-stroke-color": "#fff", "circle-stroke-width": 1 } },
      ],
    },
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }));
  map.on("click", "overdue", (event) => {
    const p = event.features[0].properties;
    const link = document.createElement("a");
    link.href = "/work/complaints/" + p.id + "/";
    link.textContent = "#" + p.id + " " + (p.category || "") + " · " + (p.agency || "-");
    const box = document.createElement("div");
    box.appendChild(link);
    new maplibregl.Popup().setLngLat(event.lngLat).setDOMContent(box).addTo(map);
  });
  map.on("mouseenter", "overdue", () => { map.getCanvas().style.cursor = "pointer"; });
  map.on("mouseleave", "overdue", () => { map.getCanvas().style.cursor = ""; });
  map.on("load", () => { element.dataset.ready = "1"; });
  window.overdueMap = map;
})();
