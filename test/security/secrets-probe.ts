// What an agent would try to find the daemon's tokens: a bash script that walks its ancestors
// (the daemon among them), greps every readable /proc/*/cmdline and /proc/*/environ, `env` and
// `ps -eo args` for the tokens, and reports only counts and file names. The tokens reach the
// script base64-encoded in a file, so neither its text nor any command line it runs holds them.
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import assert from "node:assert/strict";

/** A token no other process on this machine can hold by chance (tests run in parallel). */
export const uniqueToken = (label: string): string => `${label}-${randomBytes(18).toString("base64url")}`;

export function writeProbeScript(dir: string, tokens: readonly string[]): string {
  const encoded = Buffer.from(tokens.join("\n") + "\n").toString("base64");
  const path = join(dir, "probe-secrets.sh");
  writeFileSync(
    path,
    `#!/usr/bin/env bash
pat=$(mktemp)
printf '%s' '${encoded}' | base64 -d > "$pat"
pid=$$
chain=""
while [ -n "$pid" ] && [ "$pid" -gt 1 ]; do chain="$chain $pid"; pid=$(ps -o ppid= -p "$pid" | tr -d ' '); done
echo "ancestors:$chain"
for p in $chain; do echo "ancestor $p cmdline_bytes=$(wc -c < /proc/$p/cmdline 2>/dev/null || echo 0) environ_bytes=$(wc -c < /proc/$p/environ 2>/dev/null || echo 0)"; done
readable=$(cat /proc/[0-9]*/environ 2>/dev/null | tr '\\0' '\\n' | wc -l)
echo "environ entries readable: $readable"
hits=$(grep -a -l -F -f "$pat" /proc/[0-9]*/cmdline /proc/[0-9]*/environ 2>/dev/null | tr '\\n' ' ')
echo "proc hits: [$hits]"
echo "env hits: $(env | grep -c -F -f "$pat")"
echo "ps lines: $(ps -eo args | wc -l) ps hits: $(ps -eo args | grep -c -F -f "$pat")"
rm -f "$pat"
echo "probe done"
`,
    { mode: 0o755 },
  );
  return path;
}

/**
 * The probe's report must show it could read the daemon's /proc (so a clean result means
 * something) and found no token anywhere; and no token may appear in what it reported.
 */
export function assertProbeFoundNothing(output: string, daemonPid: number, tokens: readonly string[]): void {
  for (const t of tokens) assert.ok(!output.includes(t), `a token leaked into the agent's view:\n${output}`);
  assert.match(output, /probe done/, output);
  const daemonLine = new RegExp(`ancestor ${daemonPid} cmdline_bytes=([1-9]\\d*) environ_bytes=([1-9]\\d*)`).exec(output);
  assert.ok(daemonLine, `the probe must see the daemon (pid ${daemonPid}) among its ancestors and read its /proc cmdline and environ:\n${output}`);
  assert.match(output, /proc hits: \[\]/, `a token is readable in /proc:\n${output}`);
  assert.match(output, /env hits: 0\b/, output);
  assert.match(output, /ps hits: 0\b/, output);
}

/** What the test process itself sees: the daemon's /proc entries and `ps`. */
export function assertDaemonProcClean(pid: number, tokens: readonly string[]): void {
  const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
  const environ = readFileSync(`/proc/${pid}/environ`, "utf8");
  assert.ok(cmdline.length > 0 && environ.length > 0, "the daemon's /proc entries are readable");
  const ps = execFileSync("ps", ["-eo", "args"], { encoding: "utf8" });
  for (const t of tokens) {
    assert.ok(!cmdline.includes(t), `token in /proc/${pid}/cmdline: ${cmdline.replaceAll("\0", " ")}`);
    assert.ok(!environ.includes(t), `token in /proc/${pid}/environ`);
    assert.ok(!ps.includes(t), "token in ps -eo args");
  }
}
