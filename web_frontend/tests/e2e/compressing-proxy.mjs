// A local stand-in for CloudFront's compression: forwards every request to the
// local stack and compresses text answers (HTML, JS, CSS, JSON, SVG) with
// Brotli or gzip as the browser asks, as CloudFront does in front of the
// deployed SPA. Used by Lighthouse in quality.test.mjs, so transfer sizes
// (and the performance score) are those a visitor gets.
import http from "node:http";
import zlib from "node:zlib";

const COMPRESSIBLE = /^(text\/|application\/(javascript|json|manifest\+json)|image\/svg\+xml)/;

export async function startCompressingProxy(target) {
  const upstream = new URL(target);
  const server = http.createServer((req, res) => {
    const forward = http.request(
      {
        hostname: upstream.hostname,
        port: upstream.port,
        path: req.url,
        method: req.method,
        headers: { ...req.headers, host: upstream.host, "accept-encoding": "identity" },
      },
      (answer) => {
        const headers = { ...answer.headers };
        const accepted = String(req.headers["accept-encoding"] ?? "");
        const encoding = /\bbr\b/.test(accepted) ? "br" : /\bgzip\b/.test(accepted) ? "gzip" : null;
        if (!encoding || !COMPRESSIBLE.test(String(headers["content-type"] ?? "")) || req.method === "HEAD") {
          res.writeHead(answer.statusCode ?? 502, headers);
          answer.pipe(res);
          return;
        }
        delete headers["content-length"];
        headers["content-encoding"] = encoding;
        headers.vary = "accept-encoding";
        res.writeHead(answer.statusCode ?? 502, headers);
        answer.pipe(encoding === "br" ? zlib.createBrotliCompress() : zlib.createGzip()).pipe(res);
      },
    );
    forward.on("error", (error) => {
      res.writeHead(502, { "content-type": "text/plain" });
      res.end(`proxy: ${error.message}`);
    });
    req.pipe(forward);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
