import { Type, definePlugin } from "@agentd/core";
import { tapSpawnLimits } from "./limits.ts";
import { orchestrationTools } from "./tools.ts";

/**
 * Agent to agent, the pluggable half (the routes and services are core's): the default spawn
 * limits as an `onSpawn` tap, and the embedded runtime's tools sessions_spawn, sessions_send,
 * sessions_wait, sessions_list, sessions_history and reply_parent. docs/agent-to-agent.md.
 */
export default definePlugin({
  name: "orchestration-tools",
  version: "0.1.0",
  description: "agent to agent: spawn limits and the embedded runtime's sessions_* / reply_parent tools",
  configSchema: Type.Object(
    {
      maxSpawnDepth: Type.Integer({ minimum: 0, default: 5 }),
      maxChildrenPerRun: Type.Integer({ minimum: 0, default: 10 }),
    },
    { additionalProperties: false },
  ),
  options: [
    { flag: "--max-spawn-depth", env: ["AGENTD_MAX_SPAWN_DEPTH"], key: "maxSpawnDepth", type: "number", description: "deepest child session a spawn may create (a root session is depth 0; default 5)" },
    { flag: "--max-children-per-run", env: ["AGENTD_MAX_CHILDREN_PER_RUN"], key: "maxChildrenPerRun", type: "number", description: "live (queued or running) child sessions one run may have (default 10)" },
  ],
  apply(gateway, config) {
    tapSpawnLimits(gateway, config);
    for (const tool of orchestrationTools(gateway)) gateway.tools.register(tool);
  },
});
