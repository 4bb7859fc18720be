#!/usr/bin/env node
// agentctl from the @agentd/cli package (sources are TypeScript run through tsx, no build step).
import { register } from "tsx/esm/api";
register();
const { main } = await import("../src/main.ts");
await main(process.argv.slice(2));
