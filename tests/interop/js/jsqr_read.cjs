/* Reads one QR code with the verify page's own vendored jsQR, as the page calls it.
 * (CommonJS, .cjs: the package.json beside it makes .js files ES modules.)
 *
 * Usage: node jsqr_read.cjs WIDTH HEIGHT < rgba-bytes
 * Prints the decoded text as JSON ({"data": "..."}), or {"data": null} when jsQR finds none.
 * No npm packages: the decoder is the very file the page serves (verifier/static/verify/vendor).
 */
"use strict";
const path = require("path");
const jsQR = require(path.join(__dirname, "..", "..", "..", "verifier", "static", "verify", "vendor", "jsQR.js"));

const [width, height] = process.argv.slice(2, 4).map(Number);
const chunks = [];
process.stdin.on("data", (chunk) => chunks.push(chunk));
process.stdin.on("end", () => {
  const bytes = Buffer.concat(chunks);
  if (!(width > 0 && height > 0) || bytes.length !== width * height * 4) {
    process.stderr.write(`expected ${width}x${height} RGBA, got ${bytes.length} bytes\n`);
    process.exit(2);
  }
  const pixels = new Uint8ClampedArray(bytes.buffer, bytes.byteOffset, bytes.length);
  const code = jsQR(pixels, width, height, { inversionAttempts: "attemptBoth" });
  process.stdout.write(JSON.stringify({ data: code ? code.data : null }) + "\n");
});
