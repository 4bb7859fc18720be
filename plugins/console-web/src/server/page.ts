/** The console's HTML shell and the headers every console response carries. */

/**
 * No inline script or style anywhere: scripts and styles come from this origin only, the page
 * talks only to this origin (REST, SSE and WebSocket on the same host), and it cannot be framed.
 * Preact sets element styles through the CSSOM, which style-src does not restrict.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "Content-Security-Policy": CONSOLE_CSP,
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
  "Cross-Origin-Opener-Policy": "same-origin",
};

export function consoleHtml(base: string, version: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>agentd console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${base}/app.css?v=${version}">
<script type="module" src="${base}/app.js?v=${version}"></script>
</head>
<body>
<div id="app"><noscript>The agentd console needs JavaScript.</noscript></div>
</body>
</html>
`;
}
