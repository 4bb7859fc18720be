// A node:test reporter that ends the run with what was skipped and why. Node counts a skipped
// `describe` (a whole group, e.g. the real-codex suite without the binary) as no skipped test, so
// the built-in summary says "skipped 0" while groups did not run. test/run.sh adds this reporter.
// Plain JS: node loads reporters before --import tsx applies.
import { relative } from "node:path";

/** @param {AsyncIterable<{type: string, data: {name: string, file?: string, skip?: string | boolean}}>} source */
export default async function* skipReporter(source) {
  const skipped = [];
  for await (const event of source) {
    if ((event.type === "test:pass" || event.type === "test:fail") && event.data.skip !== undefined && event.data.skip !== false) {
      const where = event.data.file ? `${relative(process.cwd(), event.data.file)}: ` : "";
      const why = typeof event.data.skip === "string" ? ` (${event.data.skip})` : "";
      skipped.push(`#   ${where}${event.data.name}${why}`);
    }
  }
  yield skipped.length
    ? `# skipped groups and tests: ${skipped.length}\n${skipped.join("\n")}\n`
    : "# skipped groups and tests: none\n";
}
