import { AgentdError, conflict, type Gateway } from "@agentd/core";

export interface SpawnLimits {
  maxSpawnDepth: number;
  maxChildrenPerRun: number;
}

/**
 * The default spawn limits, as an `onSpawn` tap (stage -100: before other policies, so a plugin
 * that rewrites a spawn sees only spawns within limits). Depth: a child of a session at depth d is
 * at d + 1 (a root session is 0). Live children: child sessions of the spawning run that still
 * have a queued or running run (for a session spawn with no running run: the session's children
 * spawned outside any run).
 */
export function tapSpawnLimits(gateway: Gateway, limits: SpawnLimits): void {
  gateway.hooks.onSpawn.tapPromise({ name: "orchestration-tools:limits", stage: -100 }, async (request) => {
    const depth = request.parentSession.depth + 1;
    if (depth > limits.maxSpawnDepth) {
      throw conflict(
        `spawn refused: the child would be at depth ${depth}, deeper than the limit of ${limits.maxSpawnDepth} (--max-spawn-depth); do the work in this session or raise the limit`,
        { limit: "max_spawn_depth", depth, max: limits.maxSpawnDepth },
      );
    }
    // A spawn from a session with no running run counts against that session's run-less children.
    const parentRun = request.parentRun;
    const live = gateway.services.orchestration.liveChildren(parentRun?.id ?? null, request.parentSession.id);
    if (live >= limits.maxChildrenPerRun) {
      const who = parentRun ? `run ${parentRun.id}` : `session ${request.parentSession.id} (spawns from outside any run)`;
      throw new AgentdError(
        "rate_limited",
        `spawn refused: ${who} already has ${live} live child sessions (limit ${limits.maxChildrenPerRun}, --max-children-per-run); wait for one to finish (sessions_wait / agentctl tool session-wait) and spawn again`,
        { limit: "max_children_per_run", live, max: limits.maxChildrenPerRun },
      );
    }
    return request;
  });
}
