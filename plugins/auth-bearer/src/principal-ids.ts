import { createHash, createHmac, randomBytes } from "node:crypto";
import type { Storage, StorageReader, StorageTx } from "@agentd/core";

/**
 * Principal ids are keyed hashes of tokens: `tok_` + HMAC-SHA256(install key, token)[:16 hex].
 * Ownership survives restarts without storing tokens, and an id seen by another principal
 * (canceled_by, run records) cannot be brute-forced back into a short token without the key.
 * The key lives in the database (kv), so a backup of the database keeps its owners.
 */
export const KEY_NAME = "auth-bearer.principal_key";
const SCHEME_NAME = "auth-bearer.principal_ids";
const SCHEME = "hmac-sha256";

export const principalIdFor = (key: Buffer, token: string): string => `tok_${createHmac("sha256", key).update(token).digest("hex").slice(0, 16)}`;

/** The id of agentd before the keyed scheme: an unsalted sha256 prefix. Only for migrating stored data. */
export const legacyPrincipalIdFor = (token: string): string => `tok_${createHash("sha256").update(token).digest("hex").slice(0, 16)}`;

const kvGet = (r: StorageReader, key: string): string | undefined => r.get<{ value: string }>("SELECT value FROM kv WHERE key = ?", [key])?.value;
const kvSet = (tx: StorageTx, key: string, value: string): void =>
  tx.run("INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", [key, value]);

/** The install's key: read, or made once (32 random bytes) and stored durably. */
export async function loadPrincipalKey(storage: Storage): Promise<Buffer> {
  const stored = kvGet(storage, KEY_NAME);
  if (stored) return Buffer.from(stored, "base64");
  const key = randomBytes(32);
  await storage.transact((tx) => kvSet(tx, KEY_NAME, key.toString("base64"))).durable;
  return key;
}

/** Columns that hold exactly one principal id, and JSON text columns that may mention one. */
const ID_COLUMNS = [["sessions", "owner"], ["runs", "canceled_by"], ["escalations", "decided_by"], ["idempotency", "principal"]] as const;
const TEXT_COLUMNS = [["runs", "meta"], ["runs", "error"], ["messages", "meta"], ["idempotency", "body"], ["events", "data"]] as const;

const holdsLegacyId = (r: StorageReader, legacy: string): boolean =>
  ID_COLUMNS.some(([table, column]) => r.get(`SELECT 1 AS found FROM ${table} WHERE ${column} = ? LIMIT 1`, [legacy]) !== undefined);

/**
 * Rewrite stored ids of the old scheme to the keyed one, for every configured token (the daemon
 * knows the tokens, so the mapping is computable). The first start after the upgrade rewrites
 * everything; later starts only tokens that still own data under their old id (a token that
 * was not configured then), so a normal start costs a few indexed lookups.
 */
export async function migrateLegacyIds(storage: Storage, key: Buffer, tokens: readonly string[]): Promise<number> {
  const firstStart = kvGet(storage, SCHEME_NAME) !== SCHEME;
  const pairs = [...new Set(tokens)].map((t) => ({ from: legacyPrincipalIdFor(t), to: principalIdFor(key, t) })).filter((p) => firstStart || holdsLegacyId(storage, p.from));
  if (pairs.length === 0 && !firstStart) return 0;
  let changed = 0;
  await storage.transact((tx) => {
    for (const { from, to } of pairs) {
      const before = ID_COLUMNS.reduce((n, [table, column]) => n + Number(tx.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table} WHERE ${column} = ?`, [from])?.n ?? 0), 0);
      changed += before;
      for (const [table, column] of ID_COLUMNS) tx.run(`UPDATE ${table} SET ${column} = ? WHERE ${column} = ?`, [to, from]);
      for (const [table, column] of TEXT_COLUMNS) tx.run(`UPDATE ${table} SET ${column} = replace(${column}, ?, ?) WHERE ${column} LIKE ?`, [from, to, `%${from}%`]);
    }
    kvSet(tx, SCHEME_NAME, SCHEME);
  }).durable;
  return changed;
}
