/* creditbank verify page: reading the QR code of a photo, trying harder before giving up.
 *
 * A phone photo of a printed certificate is rarely a clean QR image: the page is tilted,
 * the QR code fills a small part of the frame, the light is uneven. The decoder (jsQR) is
 * tried on a sequence of views of the photo, cheapest and likeliest first, and the first
 * that reads wins: the photo as it is, sharpened (and larger, sharpened more), the whole photo at a few sizes, then windows cut out of it (the QR code
 * larger in each, so that the decoder's local threshold sees its modules), then the photo
 * turned a few degrees either way. The CLI walks the same sequence (verifier/_photo.py),
 * so that the page and creditbank-verify agree on which photos can be read.
 * Hand-written because no decoder library offers a retry plan; the decoding is jsQR's.
 */
"use strict";
(function () {
  /** Longest side, in pixels, of the views of the whole photo, in the order tried. */
  const WHOLE = [1600, 1000, 2400];
  /** Windows as [left, top, size] fractions of the photo's width and height. */
  const WINDOWS = [];
  for (const size of [0.5, 0.667]) {
    const step = size === 0.5 ? 0.25 : 0.333;
    for (let top = 0; top + size <= 1.001; top += step) {
      for (let left = 0; left + size <= 1.001; left += step) WINDOWS.push([left, top, size]);
    }
  }
  const WINDOW_LONGEST = 1200;
  /** Longest side of the view sharpened twice as hard (a photo out of focus by 2 px and more). */
  const SHARPER_LONGEST = 2000;
  /** Small turns of the whole photo, in degrees. */
  const TURNS = [6, -6, 12, -12];
  /** Give up after this long: a phone must not be busy for minutes with a blank photo. */
  const BUDGET_MS = 20000;

  /** Every view of ``bitmap`` to try, in order: {kind, longest, crop, turn}. */
  function plan(bitmap) {
    // First the photo as it is (no larger than the first size), as the page always read it.
    const asIs = Math.min(WHOLE[0], Math.max(bitmap.width, bitmap.height));
    const views = [{ kind: "as-is", longest: asIs, crop: [0, 0, 1], turn: 0 }];
    // A soft (out of focus) photo: the same, sharpened; a softer one: larger, sharpened more.
    views.push({ kind: "sharpened", longest: asIs, crop: [0, 0, 1], turn: 0, sharpen: 1 });
    views.push({ kind: "sharpened", longest: SHARPER_LONGEST, crop: [0, 0, 1], turn: 0, sharpen: 2 });
    views.push(...WHOLE.map((longest) => ({ kind: "whole", longest, crop: [0, 0, 1], turn: 0 })));
    for (const crop of WINDOWS) views.push({ kind: "window", longest: WINDOW_LONGEST, crop, turn: 0 });
    for (const turn of TURNS) views.push({ kind: "turn", longest: WHOLE[0], crop: [0, 0, 1], turn });
    return views;
  }

  /** The pixels of one view of ``bitmap``: cropped, scaled and turned on a white ground. */
  function render(bitmap, view) {
    const [left, top, size] = view.crop;
    const sx = Math.round(left * bitmap.width);
    const sy = Math.round(top * bitmap.height);
    const sw = Math.max(1, Math.round(size * bitmap.width));
    const sh = Math.max(1, Math.round(size * bitmap.height));
    const scale = view.longest / Math.max(sw, sh);
    const w = Math.max(1, Math.round(sw * scale));
    const h = Math.max(1, Math.round(sh * scale));
    const rad = (view.turn * Math.PI) / 180;
    const cw = Math.round(Math.abs(w * Math.cos(rad)) + Math.abs(h * Math.sin(rad)));
    const ch = Math.round(Math.abs(w * Math.sin(rad)) + Math.abs(h * Math.cos(rad)));
    const canvas = document.createElement("canvas");
    canvas.width = cw;
    canvas.height = ch;
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, cw, ch);
    if (view.turn) {
      ctx.translate(cw / 2, ch / 2);
      ctx.rotate(rad);
      ctx.drawImage(bitmap, sx, sy, sw, sh, -w / 2, -h / 2, w, h);
    } else {
      // Pixel-aligned: a half-pixel shift would blur an already soft photo further.
      ctx.drawImage(bitmap, sx, sy, sw, sh, 0, 0, w, h);
    }
    const data = ctx.getImageData(0, 0, cw, ch).data;
    return { data: view.sharpen ? sharpen(data, cw, ch, view.sharpen) : data, width: cw, height: ch };
  }

  /** Grey levels through the 3×3 sharpening kernel of ``strength`` k (centre 1 + 4k, its
   * four neighbours −k). */
  function sharpen(rgba, w, h, strength) {
    const grey = new Float32Array(w * h);
    for (let i = 0; i < w * h; i++) grey[i] = (rgba[4 * i] * 299 + rgba[4 * i + 1] * 587 + rgba[4 * i + 2] * 114) / 1000;
    const out = new Uint8ClampedArray(rgba.length);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        const v = x === 0 || y === 0 || x === w - 1 || y === h - 1
          ? grey[i]
          : (1 + 4 * strength) * grey[i] - strength * (grey[i - 1] + grey[i + 1] + grey[i - w] + grey[i + w]);
        out[4 * i] = out[4 * i + 1] = out[4 * i + 2] = v;
        out[4 * i + 3] = 255;
      }
    }
    return out;
  }

  const pause = () => new Promise((resolve) => setTimeout(resolve, 0));

  /** The QR text of ``bitmap`` or null; ``onTry(view, index)`` hears of each view tried. */
  async function decode(bitmap, jsQR, onTry) {
    const started = performance.now();
    const views = plan(bitmap);
    for (let i = 0; i < views.length; i++) {
      if (i > 0 && performance.now() - started > BUDGET_MS) break;
      const view = views[i];
      if (onTry) onTry(view, i, views.length);
      const { data, width, height } = render(bitmap, view);
      const code = jsQR(data, width, height, { inversionAttempts: i === 0 ? "attemptBoth" : "dontInvert" });
      if (code && code.data) {
        window.__photoAttempt = { index: i, kind: view.kind };
        return code.data;
      }
      await pause(); // keep the page responsive between attempts
    }
    window.__photoAttempt = { index: -1, kind: "none" };
    return null;
  }

  window.creditbankPhoto = { decode, plan };
})();
