// Run a document's in-run blocks (`<!-- runs inside a run: ROLE -->`, see ./shell-docs.ts) inside
// real runs: a daemon with the bash-playbook test provider, whose playbook maps a run's prompt to
// the script that run executes with its own env and token, as an agent's shell would.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, startDaemon, tempDir, type DaemonHandle } from "../support/daemon.ts";
import { inRunScript } from "./shell-docs.ts";

export const PLAYBOOK_PLUGIN = join(ROOT, "test", "fixtures", "plugins", "bash-playbook-provider.ts");
export const OWNER_TOKEN = "owner-token-docs-in-run-0001";

export interface PlaybookEntry {
  /** The prompt of the run that executes the block. */
  prompt: string;
  code: string;
  /** The test's own lines after the block (commented in the test), e.g. reporting variables. */
  extra?: string;
}

/** Write the scripts and playbook into a temp dir; start a daemon whose bash-playbook runs follow it. */
export async function startPlaybookDaemon(entries: PlaybookEntry[]): Promise<{ daemon: DaemonHandle; dir: string }> {
  const dir = tempDir("agentd-in-run-");
  const playbook: Record<string, string> = {};
  entries.forEach((e, i) => {
    const file = join(dir, `block-${i}.sh`);
    writeFileSync(file, inRunScript(e.code, e.extra));
    playbook[e.prompt] = file;
  });
  const path = join(dir, "playbook.json");
  writeFileSync(path, JSON.stringify(playbook, null, 2));
  const daemon = await startDaemon({ args: ["--plugin", PLAYBOOK_PLUGIN, "--bash-playbook", path, "--auth-token", OWNER_TOKEN] });
  return { daemon, dir };
}

/** The words after `label:` on the output line starting with it. */
export function reported(output: string, label: string): string[] {
  const line = output.split("\n").find((l) => l.startsWith(`${label}:`));
  if (line === undefined) throw new Error(`no "${label}:" line in the run's output:\n${output}`);
  return line.slice(label.length + 1).trim().split(/\s+/);
}
