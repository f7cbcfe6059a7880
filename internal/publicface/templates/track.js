// The public status page of a report: reads publicEvent by tracking code. No names, no phones.
"use strict";

function showError(msg) {
  const el = document.getElementById("error");
  el.textContent = msg;
  el.hidden = !msg;
}

function localTime(s) {
  return s ? new Date(s).toLocaleString("zh-CN", { timeZone: "Asia/Shanghai" }) : "";
}

async function lookup(code) {
  showError("");
  document.getElementById("status").hidden = true;
  let body;
  try {
    const resp = await fetch("/graphql", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        query: "query($c: String!) { publicEvent(trackingCode: $c) { statusLabel categoryName gridName reportedAt closedAt feedback steps { actionLabel at } photos { url thumbnailUrl stageLabel } } }",
        variables: { c: code },
      }),
    });
    body = await resp.json();
  } catch (e) {
    showError("网络连接失败，请检查网络后再试。");
    return;
  }
  if (body.errors && body.errors.length) {
    // The server's Chinese sentence for residents, never the developers' English message.
    const ext = body.errors[0].extensions || {};
    showError(ext.publicMessage || "系统出了点问题，请稍后再试。");
    return;
  }
  const e = body.data.publicEvent;
  if (!e) {
    showError("没有找到这个查询码，请核对后再试。");
    return;
  }
  const set = (id, text) => { document.getElementById(id).textContent = text; };
  set("status-label", e.statusLabel);
  set("category", e.categoryName);
  set("grid", e.gridName);
  set("reported", localTime(e.reportedAt));
  set("closed", localTime(e.closedAt));
  document.getElementById("closed-wrap").hidden = !e.closedAt;
  set("feedback", e.feedback);
  document.getElementById("feedback-wrap").hidden = !e.feedback;
  document.getElementById("photos").replaceChildren(...e.photos.map((p) => {
    const a = document.createElement("a");
    a.href = p.url;
    a.rel = "noopener";
    const img = document.createElement("img");
    img.src = p.thumbnailUrl;
    img.alt = p.stageLabel;
    img.title = p.stageLabel;
    img.className = "photo-thumb";
    a.append(img);
    return a;
  }));
  const steps = document.getElementById("steps");
  steps.replaceChildren(...e.steps.map((s) => {
    const li = document.createElement("li");
    li.textContent = localTime(s.at) + " " + s.actionLabel;
    return li;
  }));
  document.getElementById("status").hidden = false;
}

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("track-form");
  const input = document.getElementById("code");
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const code = input.value.trim();
    history.replaceState(null, "", "/track/" + encodeURIComponent(code));
    lookup(code);
  });
  if (input.value.trim()) {
    lookup(input.value.trim());
  }
});
