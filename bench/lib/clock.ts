/**
 * One clock for every process of a run: CLOCK_MONOTONIC through `process.hrtime`, which Linux
 * shares across processes, so an append stamped in the daemon and a receipt stamped in a client
 * process can be subtracted. Milliseconds with sub-microsecond resolution.
 */
export const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;
