import { createHash } from "node:crypto";
import { AgentdError } from "../errors.ts";
import type { Storage, StorageTx } from "../storage/types.ts";
import { now } from "./rows.ts";

export interface StoredResponse {
  status: number;
  body: unknown;
}

/** How long a key is remembered. Documented in docs/api-contract.md. */
export const IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;

/** A claimed key: record the response in the same transaction as the effect, then release. */
export interface IdempotencyClaim {
  record(tx: StorageTx, response: StoredResponse): void;
  release(): void;
}

/**
 * Idempotency keys, scoped per principal. The response is stored in the same transaction as the
 * effect, so a crash can never leave the effect without its record (a retry would duplicate it).
 */
export class IdempotencyService {
  private readonly inFlight = new Set<string>();

  constructor(private readonly storage: Storage) {}

  static hash(parts: unknown): string {
    return createHash("sha256").update(JSON.stringify(parts)).digest("hex");
  }

  /**
   * The stored response for a retry, or a claim for a first attempt.
   * Throws 422 when the key was used with a different request, 409 while the first is in flight.
   */
  begin(principal: string, key: string, requestHash: string): { replay: StoredResponse } | { claim: IdempotencyClaim } {
    const row = this.storage.get("SELECT request_hash, status, body, created_at FROM idempotency WHERE principal = ? AND key = ?", [principal, key]);
    if (row && Date.parse(String(row.created_at)) > Date.now() - IDEMPOTENCY_RETENTION_MS) {
      if (row.request_hash !== requestHash) {
        throw new AgentdError("idempotency_mismatch", `idempotency key "${key}" was already used with a different request; use a new key for a new request`);
      }
      return { replay: { status: Number(row.status), body: JSON.parse(String(row.body)) } };
    }
    const slot = `${principal}\u0000${key}`;
    if (this.inFlight.has(slot)) {
      throw new AgentdError("idempotency_in_flight", `a request with idempotency key "${key}" is still being processed; retry after it finishes`);
    }
    this.inFlight.add(slot);
    return {
      claim: {
        record: (tx, response) =>
          tx.run(
            `INSERT INTO idempotency (principal, key, request_hash, status, body, created_at) VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT(principal, key) DO UPDATE SET request_hash = excluded.request_hash, status = excluded.status, body = excluded.body, created_at = excluded.created_at`,
            [principal, key, requestHash, response.status, JSON.stringify(response.body), now()],
          ),
        release: () => this.inFlight.delete(slot),
      },
    };
  }

  /**
   * Wait until a stored response may be replayed: the transaction that stored it may be one whose
   * durability failed (the client got 503), kept in memory for a retry. Until it is durable the
   * replay is refused with 503 `storage_unavailable` too, so a 503 is never followed by a 201 that
   * a crash takes back.
   */
  async whenReplayable(): Promise<void> {
    await this.storage.whenDurable?.();
  }

  /** Forget expired keys; called periodically. */
  purgeExpired(tx: StorageTx): void {
    tx.run("DELETE FROM idempotency WHERE created_at < ?", [new Date(Date.now() - IDEMPOTENCY_RETENTION_MS).toISOString()]);
  }
}
