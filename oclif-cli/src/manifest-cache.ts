import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import type { Config } from "@oclif/core";

/** Workspace packages whose command manifests we keep (oclif's own plugins ship theirs). */
const REPO_ROOT = resolve(import.meta.dirname, "..", "..");

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function commandsDir(root: string): string | null {
  try {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { oclif?: { commands?: string } };
    return pkg.oclif?.commands ? join(root, pkg.oclif.commands) : null;
  } catch {
    return null;
  }
}

function isInRepo(root: string): boolean {
  const rel = relative(REPO_ROOT, root);
  return !rel.startsWith("..") && !rel.includes("node_modules");
}

/**
 * Without a manifest oclif imports every command to list them (about half a second through tsx);
 * with one it imports only the command that runs. Manifests are never committed (a stale one hides
 * new commands): agentctl writes one for each workspace plugin whose commands changed since, and
 * removes a stale one before oclif reads it.
 */
export function dropStaleManifests(roots: readonly string[]): string[] {
  const stale: string[] = [];
  for (const root of roots) {
    const dir = commandsDir(root);
    if (!dir) continue;
    const manifest = join(root, "oclif.manifest.json");
    let manifestTime = 0;
    try {
      manifestTime = statSync(manifest).mtimeMs;
    } catch {
      /* missing */
    }
    const sourceTime = Math.max(newestMtime(dir), statSync(join(root, "package.json")).mtimeMs);
    if (manifestTime <= sourceTime) {
      if (manifestTime) rmSync(manifest, { force: true });
      stale.push(root);
    }
  }
  return stale;
}

interface Manifest {
  commands: Record<string, { flags?: Record<string, { default?: unknown; noCacheDefault?: boolean }> }>;
}

/**
 * oclif evaluates every flag default when it builds a manifest; a `noCacheDefault` one (the
 * `--url` from the environment, the TTY-dependent `--format`) must not outlive that process.
 */
export function withoutRuntimeDefaults(manifest: Manifest): Manifest {
  for (const command of Object.values(manifest.commands)) {
    for (const flag of Object.values(command.flags ?? {})) if (flag.noCacheDefault) delete flag.default;
  }
  return manifest;
}

/** After oclif loaded, persist the manifests it had to build (atomically: other agentctl may read). */
export function writeManifests(config: Config, roots: readonly string[]): void {
  for (const plugin of config.getPluginsList()) {
    if (!roots.includes(plugin.root) || !isInRepo(plugin.root)) continue;
    const path = join(plugin.root, "oclif.manifest.json");
    const tmp = `${path}.${process.pid}.tmp`;
    try {
      writeFileSync(tmp, JSON.stringify(withoutRuntimeDefaults((plugin as unknown as { manifest: Manifest }).manifest)));
      renameSync(tmp, path);
    } catch {
      /* a read-only checkout just stays on the slow path */
    }
  }
}

/** Workspace plugin roots agentctl loads: the CLI itself and every plugins/* package with commands. */
export function workspaceRoots(): string[] {
  // Installed from a tarball (node_modules/@agentd/cli) there is no workspace: the packed manifest is used as is.
  if (!existsSync(join(REPO_ROOT, "plugins"))) return [];
  const roots = [join(REPO_ROOT, "oclif-cli")];
  for (const name of readdirSync(join(REPO_ROOT, "plugins"))) roots.push(join(REPO_ROOT, "plugins", name));
  return roots.filter((r) => commandsDir(r) !== null);
}
