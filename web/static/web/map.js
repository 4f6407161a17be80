// The operators' and executives' map: boundaries (vector tiles), complaints by status, a choropleth
// of complaints per province, charts from the statistics API, and the routing decision for any click.
(function () {
  "use strict";
  const STATUS_COLOURS = {
    waiting: "#d7301f", in_progress: "#fc8d59", forwarded: "#9e66ab",
    follow_up: "#fdbb84", finished: "#1a9850", irrelevant: "#969696",
  };
  const STATUS_LABELS = {
    waiting: ["รอรับเรื่อง", "Waiting"], in_progress: ["กำลังดำเนินการ", "In progress"],
    forwarded: ["ส่งต่อ", "Forwarded"], follow_up: ["ติดตาม", "Follow-up"],
    finished: ["เสร็จสิ้น", "Finished"], irrelevant: ["ไม่เกี่ยวข้อง", "Irrelevant"],
  };
  let lang = "th";
  const origin = window.location.origin;
  const $ = (id) => document.getElementById(id);

  function query() {
    const params = new URLSearchParams();
    if ($("since").value) params.set("since", $("since").value + "T00:00:00+07:00");
    if ($("category").value) params.set("category", $("category").value);
    if ($("area").value.trim()) params.set("area", $("area").value.trim());
    return params;
  }

  async function getJSON(path) {
    const reply = await fetch(path);
    if (!reply.ok) throw new Error(path + " -> " + reply.status);
    return reply.json();
  }

  const map = new maplibregl.Map({
    container: "map",
    center: [100.55, 13.75],
    zoom: 10,
    attributionControl: { customAttribution: "Boundaries: OCHA / Royal Thai Survey Department, BMA" },
    style: {
      version: 8,
      sources: {
        provinces: { type: "vector", tiles: [origin + "/tiles/provinces/{z}/{x}/{y}.mvt"], maxzoom: 14 },
        districts: { type: "vector", tiles: [origin + "/tiles/districts/{z}/{x}/{y}.mvt"], maxzoom: 14 },
        subdistricts: { type: "vector", tiles: [origin + "/tiles/subdistricts/{z}/{x}/{y}.mvt"], maxzoom: 14 },
        choropleth: { type: "geojson", data: { type: "FeatureCollection", features: [] } },
        complaints: { type: "geojson", data: { type: "FeatureCollection", features: [] } },
      },
      layers: [
        { id: "background", type: "background", paint: { "background-color": "#dfe9f2" } },
        { id: "land", type: "fill", source: "provinces", "source-layer": "provinces", paint: { "fill-color": "#fbfaf6" } },
        { id: "choropleth", type: "fill", source: "choropleth",
          paint: { "fill-color": ["interpolate", ["linear"], ["get", "complaints"], 0, "#fbfaf6", 1, "#fee8c8", 50, "#fdbb84", 500, "#e34a33"],
                   "fill-opacity": 0.6 } },
        { id: "subdistrict-lines", type: "line", source: "subdistricts", "source-layer": "subdistricts", minzoom: 10,
          paint: { "line-color": "#b8b8b8", "line-width": 0.5 } },
        { id: "district-lines", type: "line", source: "districts", "source-layer": "districts", minzoom: 7,
          paint: { "line-color": "#8c8c8c", "line-width": 1 } },
        { id: "province-lines", type: "line", source: "provinces", "source-layer": "provinces",
          paint: { "line-color": "#555", "line-width": 1.5 } },
        // Overdue: a dark red ring; escalated: a larger dot.
        { id: "complaints", type: "circle", source: "complaints",
          paint: { "circle-radius": ["case", [">", ["coalesce", ["get", "escalation_level"], 0], 0], 7, 4],
                   "circle-stroke-width": ["case", ["==", ["get", "overdue"], true], 2.5, 0.5],
                   "circle-stroke-color": ["case", ["==", ["get", "overdue"], true], "#7f0000", "#fff"],
                   "circle-color": ["match", ["get", "status"], ...Object.entries(STATUS_COLOURS).flat(), "#333"] } },
      ],
    },
  });
  window.complaintMap = map;  // for operators' consoles and the browser test

  function bars(element, rows, label, value) {
    const top = Math.max(1, ...rows.map(value));
    element.innerHTML = "";
    for (const row of rows) {
      const line = document.createElement("div");
      line.className = "bar";
      line.innerHTML = `<span class="label"></span><span class="fill"></span><span class="n"></span>`;
      line.children[0].textContent = label(row);
      line.children[1].style.width = Math.round(150 * value(row) / top) + "px";
      line.children[2].textContent = value(row);
      element.appendChild(line);
    }
  }

  async function refresh() {
    const params = query();
    const listing = new URLSearchParams(params);
    listing.set("format", "geojson");
    listing.set("limit", "1000");
    const [complaints, choropleth, status, categories, trend, agencies] = await Promise.all([
      fetch(`/api/v1/complaints?${listing}`).then((r) => r.json()),
      fetch(`/api/v1/stats?group=${$("level").value}&format=geojson&simplify=0.005&${params}`).then((r) => r.json()),
      getJSON(`/api/v1/stats?group=status&${params}`),
      getJSON(`/api/v1/stats?group=category&${params}`),
      getJSON(`/api/v1/stats/trend?interval=week&${params}`),
      getJSON(`/api/v1/stats?group=agency&${params}`),
    ]);
    map.getSource("complaints").setData(complaints);
    map.getSource("choropleth").setData(choropleth);
    paintChoropleth(choropleth);
    const name = (row) => (lang === "th" ? row.name_th : row.name_en) || row.key;
    bars($("chart-status"), status.rows, (r) => (STATUS_LABELS[r.key] || [r.key, r.key])[lang === "th" ? 0 : 1], (r) => r.complaints);
    const total = (field) => status.rows.reduce((sum, r) => sum + (r[field] || 0), 0);
    const deadlines = [
      { label: ["เลยเส้นตาย", "Overdue"], n: total("overdue") },
      { label: ["ยกระดับแล้ว", "Escalated"], n: total("escalated") },
    ];
    bars($("chart-deadlines"), deadlines, (r) => r.label[lang === "th" ? 0 : 1], (r) => r.n);
    document.body.dataset.overdue = String(deadlines[0].n);
    document.body.dataset.escalated = String(deadlines[1].n);
    bars($("chart-categories"), categories.rows.slice(0, 10), name, (r) => r.complaints);
    bars($("chart-trend"), trend.rows.slice(-12), (r) => r.period.slice(0, 10), (r) => r.filed);
    bars($("chart-agencies"), agencies.rows.filter((r) => r.backlog > 0).sort((a, b) => b.backlog - a.backlog).slice(0, 8),
      name, (r) => r.backlog);
    $("updated").textContent = (lang === "th" ? "ปรับปรุงล่าสุด " : "Updated ") + new Date().toLocaleTimeString();
    document.body.dataset.complaints = String(complaints.features.length);
    document.body.dataset.refreshes = String(Number(document.body.dataset.refreshes || 0) + 1);
  }

  function paintChoropleth(collection) {
    // Any statistic of the API, coloured from zero to its largest value in view.
    const metric = $("metric").value;
    const values = collection.features.map((f) => Number(f.properties[metric]) || 0);
    const top = Math.max(1e-9, ...values);
    map.setPaintProperty("choropleth", "fill-color", [
      "interpolate", ["linear"], ["to-number", ["coalesce", ["get", metric], 0]],
      0, "#fbfaf6", top * 0.01, "#fee8c8", top * 0.3, "#fdbb84", top, "#e34a33",
    ]);
    document.body.dataset.choropleth = metric + ":" + collection.features.length;
  }

  async function decide(lngLat) {
    const body = { lon: lngLat.lng, lat: lngLat.lat };
    if ($("category").value) body.category = $("category").value;
    const reply = await fetch("/api/v1/route", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    const answer = await reply.json();
    $("decision").hidden = false;
    if (!reply.ok || !answer.agency) {
      $("decision-agency").textContent = lang === "th" ? "ไม่มีหน่วยงาน" : "No agency";
      $("decision-reason").textContent = answer.reason ? answer.reason[lang] : (answer.error || {}).message || "";
      return;
    }
    $("decision-agency").textContent = lang === "th" ? answer.agency.name_th : answer.agency.name_en;
    $("decision-reason").textContent = answer.reason[lang] + (answer.confidence === "partial" ? " (partial)" : "");
    document.body.dataset.decision = answer.agency.code;
  }

  function setLanguage(next) {
    lang = next;
    document.documentElement.lang = lang;
    for (const element of document.querySelectorAll("[data-th]")) element.textContent = element.dataset[lang];
    $("lang").textContent = lang === "th" ? "EN" : "ไทย";
    refresh();
  }

  async function loadCategories() {
    const services = await getJSON("/open311/v2/services.json");
    for (const service of services) {
      const option = document.createElement("option");
      option.value = service.service_code;
      option.textContent = service.description;
      $("category").appendChild(option);
    }
  }

  map.on("click", (event) => decide(event.lngLat));
  // A complaint's first public photo as its thumbnail (docs/photos.md), from this origin. GeoJSON
  // sources hand nested properties over as JSON text.
  map.on("click", "complaints", (event) => {
    // Overlapping dots: the newest complaint (the highest id).
    const feature = event.features.reduce((a, b) => (b.id > a.id ? b : a));
    const photos = JSON.parse(feature.properties.photos || "[]");
    if (!photos.length) return;
    const image = document.createElement("img");
    image.className = "complaint-photo";
    image.src = new URL(photos[0].thumbnail_url).pathname;
    image.width = photos[0].thumbnail_width;
    image.height = photos[0].thumbnail_height;
    image.alt = feature.properties.description || "";
    new maplibregl.Popup({ maxWidth: "340px" }).setLngLat(feature.geometry.coordinates).setDOMContent(image).addTo(map);
  });
  $("lang").addEventListener("click", () => setLanguage(lang === "th" ? "en" : "th"));
  for (const id of ["since", "category", "area", "metric", "level"]) $(id).addEventListener("change", refresh);
  map.on("load", async () => {
    await loadCategories();
    await refresh();
    document.body.dataset.ready = "1";
    setInterval(refresh, 15000);  // new complaints and status changes appear without a reload
  });
})();
