import { definePlugin, Type } from "@agentd/core";
import { SqljsStorage } from "./sqljs-storage.ts";

export { SqljsStorage, SnapshotCorruptError, type CheckpointStep, type SqljsStorageOptions } from "./sqljs-storage.ts";
export { DataDirLock, DataDirLockedError } from "./lock.ts";
export { parseJournal, encodeEntry, JournalCorruptError } from "./journal.ts";

/** The default storage: sql.js in memory, snapshot + journal on disk at the daemon's --db path. */
export default definePlugin({
  name: "storage-sqljs",
  version: "0.1.0",
  description: "sql.js database persisted as snapshot + group-committed journal",
  configSchema: Type.Object(
    {
      checkpointBytes: Type.Integer({ minimum: 1024, default: 64 * 1024 * 1024 }),
      checkpointIntervalMs: Type.Integer({ minimum: 100, default: 5 * 60 * 1000 }),
    },
    { additionalProperties: false },
  ),
  options: [
    { flag: "--checkpoint-bytes", env: ["AGENTD_CHECKPOINT_BYTES"], key: "checkpointBytes", type: "number", description: "checkpoint when the journal exceeds this size (default 64 MiB)" },
    { flag: "--checkpoint-interval-ms", env: ["AGENTD_CHECKPOINT_INTERVAL_MS"], key: "checkpointIntervalMs", type: "number", description: "checkpoint at least this often while changed (default 300000)" },
  ],
  apply(gateway, config) {
    gateway.useStorage(new SqljsStorage({ path: gateway.config.db, ...config, log: gateway.log }));
  },
});
