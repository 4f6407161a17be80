// The items page's small map: this page's features on a plain background (no outside tiles).
(function () {
  "use strict";
  const element = document.getElementById("map");
  if (!element || !window.maplibregl) return;
  fetch(element.dataset.geojson).then((reply) => reply.json()).then((data) => {
    const map = new maplibregl.Map({
      container: "map",
      style: {
        version: 8,
        sources: { features: { type: "geojson", data: data } },
        layers: [
          { id: "background", type: "background", paint: { "background-color": "#eef2f5" } },
          { id: "fill", type: "fill", source: "features", filter: ["==", ["geometry-type"], "Polygon"],
            paint: { "fill-color": "#4a7fb0", "fill-opacity": 0.25 } },
          { id: "outline", type: "line", source: "features", paint: { "line-color": "#24435f", "line-width": 1 } },
          { id: "points", type: "circle", source: "features", filter: ["==", ["geometry-type"], "Point"],
            paint: { "circle-radius": 4, "circle-color": "#d7301f" } },
        ],
      },
      center: [100.5, 13.75], zoom: 4,
    });
    let box = null;
    const visit = (c) => {
      if (typeof c[0] === "number") {
        box = box ? [Math.min(box[0], c[0]), Math.min(box[1], c[1]), Math.max(box[2], c[0]), Math.max(box[3], c[1])]
                  : [c[0], c[1], c[0], c[1]];
      } else c.forEach(visit);
    };
    data.features.forEach((f) => f.geometry && visit(f.geometry.coordinates));
    map.on("load", () => {
      if (box) map.fitBounds([[box[0], box[1]], [box[2], box[3]]], { padding: 20, maxZoom: 14, duration: 0 });
      element.dataset.ready = String(data.features.length);
    });
  });
})();
