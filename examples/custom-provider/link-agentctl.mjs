#!/usr/bin/env node
// Make agentctl load this package's commands: add it as an oclif "link" plugin in agentctl's data
// dir ($AGENTCTL_DATA_DIR, else $XDG_DATA_HOME/agentctl, else ~/.local/share/agentctl), the file
// oclif reads user plugins from. Other entries are kept. `--unlink` removes this package again.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(fileURLToPath(import.meta.url));
const { name } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const dataDir = process.env.AGENTCTL_DATA_DIR || join(process.env.XDG_DATA_HOME || join(homedir(), ".local", "share"), "agentctl");
const file = join(dataDir, "package.json");

let pjson = { private: true, oclif: { schema: 1, plugins: [] } };
try {
  pjson = JSON.parse(readFileSync(file, "utf8"));
} catch (err) {
  if (err.code !== "ENOENT") throw new Error(`cannot read ${file}: ${err.message}; fix or remove it and run this again`);
}
pjson.oclif ??= { schema: 1 };
const others = (pjson.oclif.plugins ?? []).filter((p) => (typeof p === "string" ? p : p.name) !== name);
pjson.oclif.plugins = process.argv.includes("--unlink") ? others : [...others, { type: "link", name, root }];
mkdirSync(dataDir, { recursive: true });
writeFileSync(file, `${JSON.stringify(pjson, null, 2)}\n`);
console.log(`${process.argv.includes("--unlink") ? "unlinked" : "linked"} ${name} ${process.argv.includes("--unlink") ? "from" : "into"} agentctl (${file})`);
