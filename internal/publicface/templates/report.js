// The public report form: lists the categories and files the report through the public
// GraphQL API (reportPublicEvent), then shows the tracking code. No sign-in.
"use strict";

// gql runs a public operation. A refusal throws the server's Chinese sentence for residents
// (extensions.publicMessage), never the English message meant for developers.
async function gql(query, variables) {
  let body;
  try {
    const resp = await fetch("/graphql", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ query, variables }),
    });
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
  // One key per filled-in form: a retried submit does not file the report twice.
  const key = crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random();
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    showError("");
    const button = document.getElementById("submit");
    button.disabled = true;
    const v = (id) => document.getElementById(id).value.trim();
    const input = {
      gridCode: form.dataset.gridCode, categoryCode: v("category"), title: v("title"),
      description: v("description"), address: v("address"),
      contactName: v("contact-name"), contactPhone: v("contact-phone"),
    };
    try {
      const data = await gql(
        "mutation($input: PublicReportInput!, $key: String) { reportPublicEvent(input: $input, idempotencyKey: $key) { trackingCode statusLabel } }",
        { input, key });
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
