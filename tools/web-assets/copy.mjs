// copy.mjs copies the portal's front-end packages, as installed from the npm
// registry by `npm ci`, into internal/web/static/vendor: the minified build
// each page loads, its licence, and a VERSIONS file naming what was copied.
// The Go binary embeds that folder, so running a node needs neither node nor
// npm; run this script only to update a package:
//
//	cd tools/web-assets && npm ci && npm run vendor
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const vendor = join(here, "..", "..", "internal", "web", "static", "vendor");

// Each package: the file to ship and the licence that must travel with it.
const packages = [
  { name: "htmx.org", build: "dist/htmx.min.js", as: "htmx.min.js", license: "LICENSE" },
  { name: "cytoscape", build: "dist/cytoscape.min.js", as: "cytoscape.min.js", license: "LICENSE" },
];

mkdirSync(vendor, { recursive: true });
const versions = [];
for (const p of packages) {
  const dir = join(here, "node_modules", p.name);
  const meta = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  copyFileSync(join(dir, p.build), join(vendor, p.as));
  copyFileSync(join(dir, p.license), join(vendor, p.as.replace(/\.min\.js$/, "") + ".LICENSE"));
  versions.push(`${p.name} ${meta.version} ${meta.license} ${p.build}`);
}
writeFileSync(join(vendor, "VERSIONS"), versions.join("\n") + "\n");
console.log(versions.join("\n"));
