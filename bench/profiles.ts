/** How big and how often: the full profile (docs/benchmarks.md) and the CI smoke profile. */
export interface Profile {
  name: "full" | "smoke";
  /** Repetitions of every figure (median and spread are over these). */
  reps: number;
  writePath: { connections: number; seconds: number; sessions: number };
  fanout: { sse: number; ws: number; burstEvents: number; rate: number; rateSeconds: number };
  queue: { sequentialRuns: number; concurrentClients: number; runsPerClient: number; maxConcurrency: number };
  recovery: { storedEvents: number; perTx: number; journalEvents: number; journalPerTx: number };
  memory: { streams: number };
  cli: { reps: number };
}

export const PROFILES: Record<Profile["name"], Profile> = {
  full: {
    name: "full",
    reps: 3,
    writePath: { connections: 64, seconds: 8, sessions: 64 },
    fanout: { sse: 100, ws: 100, burstEvents: 10_000, rate: 5_000, rateSeconds: 4 },
    queue: { sequentialRuns: 300, concurrentClients: 16, runsPerClient: 100, maxConcurrency: 4 },
    recovery: { storedEvents: 1_000_000, perTx: 5_000, journalEvents: 100_000, journalPerTx: 10 },
    memory: { streams: 1_000 },
    cli: { reps: 5 },
  },
  smoke: {
    name: "smoke",
    reps: 2,
    writePath: { connections: 16, seconds: 2, sessions: 16 },
    fanout: { sse: 10, ws: 10, burstEvents: 500, rate: 1_000, rateSeconds: 1 },
    queue: { sequentialRuns: 30, concurrentClients: 4, runsPerClient: 10, maxConcurrency: 4 },
    recovery: { storedEvents: 100_000, perTx: 5_000, journalEvents: 2_000, journalPerTx: 10 },
    memory: { streams: 400 },
    cli: { reps: 2 },
  },
};
