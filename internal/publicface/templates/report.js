// The public report form: lists the categories and files the report through the public
// GraphQL API (reportPublicEvent), then shows the tracking code. No sign-in.
"use strict";

// maxPhotos and maxPhotoBytes are the server's limits, checked here first to spare a slow upload.
const maxPhotos = 9;
const maxPhotoBytes = 10 * 1024 * 1024;

// gql runs a public operation; with files, as a GraphQL multipart request (the files fill
// variables.input.photos).
async function gqlWithFiles(query, variables, files) {
  if (!files.length) {
    return gql(query, variables);
  }
  const form = new FormData();
  variables.input.photos = files.map(() => null);
  form.append("operations", JSON.stringify({ query, variables }));
  const map = {};
  files.forEach((_, i) => { map[String(i)] = ["variables.input.photos." + i]; });
  form.append("map", JSON.stringify(map));
  files.forEach((f, i) => form.append(String(i), f, f.name));
  return post({ method: "POST", body: form });
}

// gql runs a public operation. A refusal throws the server's Chinese sentence for residents
// (extensions.publicMessage), never the English message meant for developers.
async function gql(query, variables) {
  return post({
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
}

// post sends a request to the API and returns its data, or throws the Chinese message.
async function post(init) {
  let body;
  try {
    const resp = await fetch("/graphql", init);
    body = await resp.json();
  } catch (e) {
    throw new Error("网络连接失败，请检查网络后再试。");
  }
  if (body.errors && body.errors.length) {
    const ext = body.errors[0].extensions || {};
    throw new Error(ext.publicMessage || "系统出了点问题，请稍后再试。");
  }
  return body.data;
}

function showError(msg) {
  const el = document.getElementById("error");
  el.textContent = msg;
  el.hidden = !msg;
}

document.addEventListener("DOMContentLoaded", async () => {
  const form = document.getElementById("report-form");
  const select = document.getElementById("category");
  try {
    const data = await gql("{ publicEventCategories { code name } }");
    select.replaceChildren(new Option("请选择", ""));
    for (const c of data.publicEventCategories) {
      select.append(new Option(c.name, c.code));
    }
  } catch (e) {
    showError("问题类别加载失败：" + e.message);
  }
  // "Use my location": the browser's position is WGS-84, which the report says it is.
  const locate = document.getElementById("locate");
  const status = document.getElementById("locate-status");
  if (!navigator.geolocation) {
    locate.hidden = true;
  }
  locate.addEventListener("click", () => {
    status.textContent = "正在获取位置…";
    navigator.geolocation.getCurrentPosition((pos) => {
      form.dataset.latitude = String(pos.coords.latitude);
      form.dataset.longitude = String(pos.coords.longitude);
      status.textContent = "已获取位置（精度约" + Math.round(pos.coords.accuracy) + "米）";
    }, () => {
      status.textContent = "无法获取位置，请填写网格编码或地点。";
    }, { enableHighAccuracy: true, timeout: 15000 });
  });
  // One key per filled-in form: a retried submit does not file the report twice.
  const key = crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random();
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    showError("");
    const button = document.getElementById("submit");
    button.disabled = true;
    const v = (id) => document.getElementById(id).value.trim();
    const typed = document.getElementById("grid-code");
    const input = {
      gridCode: form.dataset.gridCode || (typed && typed.value.trim()) || null, categoryCode: v("category"), title: v("title"),
      description: v("description"), address: v("address"),
      contactName: v("contact-name"), contactPhone: v("contact-phone"),
    };
    if (form.dataset.latitude) {
      input.latitude = Number(form.dataset.latitude);
      input.longitude = Number(form.dataset.longitude);
      input.coordSystem = "WGS84";
    }
    if (!input.gridCode && !input.latitude) {
      showError("请点“使用我的位置”，或填写公示卡上的网格编码。");
      button.disabled = false;
      return;
    }
    const files = Array.from(document.getElementById("photos").files || []);
    if (files.length > maxPhotos || files.some((f) => f.size > maxPhotoBytes)) {
      showError("照片不符合要求：最多9张，每张不超过10MB。");
      button.disabled = false;
      return;
    }
    try {
      const data = await gqlWithFiles(
        "mutation($input: PublicReportInput!, $key: String) { reportPublicEvent(input: $input, idempotencyKey: $key) { trackingCode statusLabel } }",
        { input, key }, files);
      const code = data.reportPublicEvent.trackingCode;
      document.getElementById("tracking-code").textContent = code;
      document.getElementById("track-link").href = "/track/" + encodeURIComponent(code);
      document.getElementById("receipt").hidden = false;
      form.hidden = true;
    } catch (e) {
      showError("提交失败：" + e.message);
      button.disabled = false;
    }
  });
});
