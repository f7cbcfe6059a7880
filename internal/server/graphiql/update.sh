#!/usr/bin/env bash
# Re-fetches the GraphiQL page's pinned browser builds into assets/ with `npm pack` (the npm
# registry only, through npm's own configuration), with each package's licence beside them.
# go build needs none of this: the files are committed and embedded (see graphiql.go).
#
# GraphiQL's stylesheet carries its fonts and three lint icons as data: URLs, which a
# Content-Security-Policy of 'self' alone refuses; they are written out as files of their own
# and the stylesheet points at them instead.
#
# Usage: internal/server/graphiql/update.sh   (from anywhere; needs npm and node)
set -euo pipefail

GRAPHIQL=3.9.0  # the last 3.x release: 4.x no longer ships a UMD browser build
REACT=18.3.1    # 19 no longer ships UMD builds either

here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent "graphiql@$GRAPHIQL" "react@$REACT" "react-dom@$REACT" >/dev/null
for pkg in "graphiql-$GRAPHIQL" "react-$REACT" "react-dom-$REACT"; do
	mkdir "${pkg%-*}"
	tar xzf "$pkg.tgz" -C "${pkg%-*}" --strip-components=1
done

out="$here/assets"
rm -rf "$out"
mkdir -p "$out/files"
cp graphiql/graphiql.min.js "$out/graphiql.min.js"
cp react/umd/react.production.min.js "$out/react.production.min.js"
cp react-dom/umd/react-dom.production.min.js "$out/react-dom.production.min.js"
cp graphiql/LICENSE "$out/LICENSE.graphiql"
cp react/LICENSE "$out/LICENSE.react"
cp react-dom/LICENSE "$out/LICENSE.react-dom"
# The stylesheet's data: URLs become files/<sha256 prefix>.<ext>, named by content.
node - graphiql/graphiql.min.css "$out/graphiql.min.css" "$out/files" <<'JS'
const fs = require("fs"), crypto = require("crypto"), path = require("path");
const [src, dst, dir] = process.argv.slice(2);
const ext = { "font/woff2": "woff2", "font/woff": "woff", "image/png": "png", "image/svg+xml": "svg" };
const css = fs.readFileSync(src, "utf8").replace(/url\((["']?)data:([^;,]+);base64,([^)"']+)\1\)/g, (m, q, type, data) => {
  if (!ext[type]) throw new Error("unexpected data: URL of type " + type);
  const bytes = Buffer.from(data, "base64");
  const name = crypto.createHash("sha256").update(bytes).digest("hex").slice(0, 16) + "." + ext[type];
  fs.writeFileSync(path.join(dir, name), bytes);
  return "url(files/" + name + ")";
});
if (/data:/.test(css)) throw new Error("a data: URL is left in the stylesheet");
fs.writeFileSync(dst, css);
JS
# The fonts in the stylesheet come with GraphiQL's package under its MIT licence file; they
# are not GraphiQL's own work, so their licences are named here.
cat >"$out/NOTICE.fonts" <<'TXT'
files/*.woff2 and files/*.woff are the fonts GraphiQL's stylesheet embeds:
Roboto (Google, Apache License 2.0) and Fira Code (The Fira Code Project Authors,
SIL Open Font License 1.1). The three files/*.png are CodeMirror's lint icons (MIT).
TXT
printf 'graphiql %s\nreact %s\nreact-dom %s\n' "$GRAPHIQL" "$REACT" "$REACT" >"$out/VERSIONS"
echo "assets: graphiql $GRAPHIQL, react $REACT, react-dom $REACT; $(ls "$out/files" | wc -l) files from the stylesheet"
