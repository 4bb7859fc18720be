// `npm run build -w @agentd/plugin-console-web` (run by the root `prepare` script on npm install):
// bundle the console into dist/ and print what it costs.
import { buildToDist } from "./build.ts";

const a = await buildToDist();
const kb = (n: number): string => `${(n / 1024).toFixed(1)} KiB`;
console.log(`console built in ${Math.round(a.ms)} ms: app.js ${kb(a.js.body.length)} (${kb(a.js.gzip.length)} gzipped), app.css ${kb(a.css.body.length)} (${kb(a.css.gzip.length)} gzipped)`);
