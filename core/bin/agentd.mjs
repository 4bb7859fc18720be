#!/usr/bin/env node
// The agentd daemon from the @agentd/core package (sources are TypeScript run through tsx).
import { register } from "tsx/esm/api";
register();
const { main } = await import("@agentd/core/daemon");
await main(process.argv.slice(2));
