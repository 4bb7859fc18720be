import type { Migration, Storage } from "./types.ts";

/**
 * Apply a plugin's own migrations. Each plugin has its own version counter (kv key
 * `schema:plugin:<name>`), so plugin tables never compete with core's version numbers and
 * core's list stays core's. Each migration runs in one transaction with its version bump.
 */
export async function applyPluginMigrations(storage: Storage, pluginName: string, migrations: readonly Migration[]): Promise<number[]> {
  const key = `schema:plugin:${pluginName}`;
  const current = Number(storage.get<{ value: string }>("SELECT value FROM kv WHERE key = ?", [key])?.value ?? 0);
  const applied: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (m.version <= current) continue;
    await storage.transact((tx) => {
      for (const statement of m.sql.split(";").map((s) => s.trim()).filter(Boolean)) tx.run(statement);
      tx.run("INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", [key, String(m.version)]);
    }).durable;
    applied.push(m.version);
  }
  return applied;
}
