#!/usr/bin/env node
// The agentd daemon itself; start it with bin/agentd, which hands over arguments and environment
// privately (core/src/daemon/launch.ts). Sources are TypeScript run through tsx (no build step).
import { register } from "tsx/esm/api";
register();
const { main } = await import("@agentd/core/daemon");
await main(process.argv.slice(2));
