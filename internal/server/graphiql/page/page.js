// The GraphiQL page of gridgov, with a sign-in helper: the username and password are sent to
// the login mutation and the token it answers goes into GraphiQL's request headers as
// "Authorization: Bearer …". A file of its own, not an inline script, so that the page's
// Content-Security-Policy can allow scripts from the server only.
"use strict";
// GraphiQL's dialogs lock the page's scroll with a <style> element of their own, which the
// policy allows only with this response's nonce; the bundle reads it from this global.
window.__webpack_nonce__ = document.querySelector('meta[name="csp-nonce"]').content;
(function () {
  // Relative to the page, so that the page works behind a proxy that serves it under a path.
  const endpoint = new URL("graphql", document.baseURI).href;
  // Subscriptions over a WebSocket at the same path (graphql-ws, bundled with GraphiQL), signed
  // in with the headers pane's Authorization, which GraphiQL sends as connection_init's payload.
  const fetcher = GraphiQL.createFetcher({ url: endpoint, subscriptionUrl: endpoint.replace(/^http/, "ws") });
  const root = ReactDOM.createRoot(document.getElementById("graphiql"));
  // ?query=… opens the page with that query in the editor, as links to GraphiQL often do.
  const query = new URLSearchParams(location.search).get("query") || undefined;
  let headers; // the headers editor's text; undefined until signed in

  function render() {
    root.render(React.createElement(GraphiQL, {
      fetcher: fetcher,
      query: query,
      headers: headers,
      // The token is not written to the browser's storage: it lasts as long as the tab.
      shouldPersistHeaders: false,
      defaultEditorToolsVisibility: headers ? "headers" : undefined,
    }));
  }

  const form = document.getElementById("sign-in");
  const status = document.getElementById("sign-in-status");
  function say(text, isError) {
    status.textContent = text;
    status.className = isError ? "error" : "";
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    const password = document.getElementById("password");
    say("登录中… Signing in…", false);
    try {
      const response = await fetch(endpoint, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          query: "mutation SignIn($u: String!, $p: String!) { login(username: $u, password: $p) { token expiresAt me { username } } }",
          variables: { u: document.getElementById("username").value, p: password.value },
        }),
      });
      const body = await response.json();
      if (body.errors && body.errors.length > 0) {
        const e = body.errors[0];
        say("登录失败 Sign-in failed: " + e.message + (e.extensions && e.extensions.code ? " (" + e.extensions.code + ")" : ""), true);
        return;
      }
      const login = body.data.login;
      headers = JSON.stringify({ Authorization: "Bearer " + login.token }, null, 2);
      password.value = "";
      say("已登录 Signed in as " + login.me.username + " until " + new Date(login.expiresAt).toLocaleString(), false);
      render();
    } catch (e) {
      say("登录失败 Sign-in failed: " + e, true);
    }
  });

  render();
})();
