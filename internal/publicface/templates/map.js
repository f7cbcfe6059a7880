// The map page: the subtree's outlines (gridBoundaries), its open cases as dots coloured by
// their light, and, with ?patrol=ID, a patrol's track, read from the API with the staff's
// own sign-in (kept for this tab only). Drawn with Leaflet on a plain background: no tile
// server is needed.
"use strict";

const tokenKey = "gridgov-token";
const lightColour = { GREEN: "#2e7d32", YELLOW: "#f9a825", RED: "#c62828" };
const closed = ["CLOSED_FIXED", "CLOSED_NOT_FIXED", "VOIDED"];

async function gql(query, variables) {
  const headers = { "Content-Type": "application/json" };
  const token = sessionStorage.getItem(tokenKey);
  if (token) {
    headers.Authorization = "Bearer " + token;
  }
  const resp = await fetch("/graphql", { method: "POST", headers, body: JSON.stringify({ query, variables }) });
  const body = await resp.json();
  if (body.errors && body.errors.length) {
    const err = new Error(body.errors[0].message);
    err.code = (body.errors[0].extensions || {}).code;
    throw err;
  }
  return body.data;
}

function showError(msg) {
  const el = document.getElementById("error");
  el.textContent = msg;
  el.hidden = !msg;
}

// signIn shows the sign-in form and resolves once a token is kept.
function signIn() {
  const form = document.getElementById("signin");
  form.hidden = false;
  return new Promise((resolve) => {
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      try {
        const data = await gql("mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }",
          { u: document.getElementById("username").value, p: document.getElementById("password").value });
        sessionStorage.setItem(tokenKey, data.login.token);
        form.hidden = true;
        showError("");
        resolve();
      } catch (e) {
        showError("登录失败：" + e.message);
      }
    });
  });
}

async function draw() {
  const el = document.getElementById("map");
  const code = el.dataset.code;
  const data = await gql(`query($code: String!) {
    grid: gridByCode(code: $code) { name }
    gridBoundaries(rootCode: $code)
    events(first: 500, where: {statusNotIn: [${closed.join(", ")}], latitudeNotNil: true}, orderBy: {field: REPORTED_AT, direction: DESC}) {
      edges { node { trackingCode title statusLabel slaLight latitude longitude grid { code } } }
    }
  }`, { code });
  if (!data.grid) {
    throw new Error("没有编码为 " + code + " 的网格，或不在您的管辖范围内。");
  }
  document.getElementById("title").textContent = data.grid.name + "（" + code + "）网格地图";
  const map = L.map(el, { zoomSnap: 0.25, attributionControl: false });
  const fc = JSON.parse(data.gridBoundaries);
  const deepest = Math.max(...fc.features.map((f) => f.properties.level));
  const outlines = L.geoJSON(fc, {
    style: (f) => ({
      color: f.properties.level === deepest ? "#5d4037" : "#263238",
      weight: f.properties.level === deepest ? 1.5 : 3,
      fillColor: "#fffdf5", fillOpacity: f.properties.level === deepest ? 0.6 : 0,
    }),
    onEachFeature: (f, layer) => {
      if (f.properties.level === deepest) {
        layer.bindTooltip(f.properties.name, { permanent: true, direction: "center", className: "grid-label" });
      }
    },
  }).addTo(map);
  if (fc.features.length) {
    map.fitBounds(outlines.getBounds(), { padding: [10, 10] });
  } else {
    map.setView([34.75, 113.55], 13);
  }
  // Cases now in the subtree (grid codes nest: a grid's code starts with its parent's); one
  // escalated above it is no longer the subtree's to handle.
  let cases = 0;
  for (const { node: e } of data.events.edges) {
    const at = (e.grid || {}).code || "";
    if (!at.startsWith(code)) {
      continue;
    }
    cases++;
    L.circleMarker([e.latitude, e.longitude], {
      radius: 6, weight: 1, color: "#222", fillOpacity: 0.9, fillColor: lightColour[e.slaLight] || "#607d8b",
    }).bindPopup(e.title + "<br>" + e.statusLabel + " · " + e.trackingCode).addTo(map);
  }
  let summary = fc.features.length + " 个网格边界，" + cases + " 件未办结的事件";
  const patrol = el.dataset.patrol;
  if (patrol) {
    const p = await gql(`query($id: ID!) { node(id: $id) { ... on Patrol { distanceM track { lat lng } } } }`, { id: patrol });
    const points = ((p.node || {}).track || []).map((t) => [t.lat, t.lng]);
    if (points.length) {
      L.polyline(points, { color: "#1565c0", weight: 3 }).addTo(map);
      summary += "，巡查轨迹 " + points.length + " 个定位点";
    }
  }
  document.getElementById("summary").textContent = summary;
  el.dataset.drawn = String(cases);
}

document.addEventListener("DOMContentLoaded", async () => {
  for (;;) {
    if (!sessionStorage.getItem(tokenKey)) {
      await signIn();
    }
    try {
      await draw();
      return;
    } catch (e) {
      if (e.code === "UNAUTHENTICATED") {
        sessionStorage.removeItem(tokenKey);
        continue;
      }
      showError("地图加载失败：" + e.message);
      return;
    }
  }
});
