// Baseline for the durable write path: a bare Koa hello-world with the daemon's server settings
// (loopback, same keep-alive/header/request timeouts), answering every request with a small JSON
// body and 201, without reading the request body, touching storage or doing any validation.
import Koa from "koa";

const app = new Koa();
app.use((ctx) => {
  ctx.status = ctx.method === "POST" ? 201 : 200;
  ctx.body = { hello: "world" };
});
const server = app.listen({ port: 0, host: "127.0.0.1" }, () => {
  const addr = server.address();
  const port = addr && typeof addr === "object" ? addr.port : 0;
  process.stderr.write(`baseline listening url="http://127.0.0.1:${port}"\n`);
});
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
server.requestTimeout = 0;
process.on("SIGTERM", () => server.close(() => process.exit(0)));
