/* creditbank verify page: checks a cbqr credential in the browser (docs/verify-page.md).
 *
 * The same checks, in the same order and with the same error codes, as the Python
 * verifier (verifier/_verify.py, verifier/_trust.py, verifier/formats/). Nothing read
 * from the QR code leaves the device: this script makes no network request with it.
 * One file on purpose: every extra script is one more request before the verdict on
 * a phone's first visit (target: verdict within 300 ms of navigation).
 */
"use strict";
(function () {
  // The format's fixed values and limits come from verifier/formats/cbqr_limits.json,
  // the file the Python verifier reads too; the server writes its content in place of
  // the marker below when it serves this script (issuer/api/verify_page.py), so no
  // value is copied here by hand (tests/verifier/test_limits.py checks that).
  const LIMITS = /*CB-LIMITS*/ null;
  if (!LIMITS) throw new Error("verify.js was served without the cbqr limits");
  const { cbqr: QR, trust_bundle: BUNDLE, page_bundle: PAGE } = LIMITS;
  const TYP = QR.typ;
  const ZIP = QR.zip;
  const KID_LENGTH = QR.kid_length;
  const MAX_INFLATED = QR.max_inflated_bytes;
  const MAX_TOKEN = QR.max_token_length;
  const LEEWAY = QR.leeway_seconds;
  const MAX_NUMERIC_DATE = QR.max_numeric_date;
  const ALGORITHMS = QR.algorithms;
  const SIGNATURE_BYTES = QR.signature_bytes;
  const DIGIT_OFFSET = QR.digit_offset;
  const VERIFY_PATH = QR.verify_path;
  const BUNDLE_TYP = BUNDLE.typ;
  const DOCUMENT_TYPE = BUNDLE.document_type;
  const BUNDLE_VERSION = BUNDLE.version;
  const MAX_BUNDLE_CHARS = BUNDLE.max_bundle_bytes;
  const MAX_LIST_BYTES = BUNDLE.max_status_list_bytes;
  const STATUS_LIST_BITS = BUNDLE.status_list_bits;
  const STATUS = BUNDLE.status_values;
  // The page bundle (docs/formats.md §3.6): keys and issuers, the lists by digest.
  const KINDS = {
    [BUNDLE.typ]: { type: BUNDLE.document_type, version: BUNDLE.version, page: false },
    [PAGE.typ]: { type: PAGE.document_type, version: PAGE.version, page: true },
  };
  // The lists fetched once are kept here (sw.js keeps the same name across releases).
  const LIST_CACHE = "creditbank-verify-lists";
  const SHA256_HEX = /^(?:[0-9a-f]{2}){32}$/; // 32 bytes in lowercase hex
  const JWS_ALPHABET = /^[A-Za-z0-9_.-]$/;
  const B64URL = /^[A-Za-z0-9_-]*$/;
  const CANONICAL_LAST = { 2: "AQgw", 3: "AEIMQUYcgkosw048" };

  /** A verification failure with the Python verifier's machine code. */
  class VerificationError extends Error {
    constructor(code, detail) {
      super(detail || code);
      this.code = code;
    }
  }
  const fail = (code, detail) => {
    throw new VerificationError(code, detail);
  };
  const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof PyFloat);
  const isInt = (v) => typeof v === "number" && Number.isInteger(v);
  const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  const ascii = (s) => new TextEncoder().encode(s);

  // -- reading text as Python does ------------------------------------------------------

  // Python's str.strip() (cbqr.jws_bytes) removes other whitespace than String.trim().
  const PY_SPACE = "[\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
  const PY_STRIP = new RegExp(`^${PY_SPACE}+|${PY_SPACE}+$`, "g");
  const pyStrip = (text) => text.replace(PY_STRIP, "");

  /** A JSON number that Python's json module reads as a float: 1.0, 1e3, NaN, Infinity. */
  class PyFloat {
    constructor(value) {
      this.value = value;
    }
  }
  // Every token of a JSON text, with NaN and ±Infinity, which Python's json module reads.
  const JSON_TOKEN = /[ \t\n\r]+|[{}[\]:,]|"(?:[^"\\\u0000-\u001f]|\\.)*"|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null|NaN|-?Infinity/y;
  const JSON_INT = /^-?(?:0|[1-9]\d*)$/;
  const JSON_NUMBER_START = /^[-0-9IN]/; // a number, NaN or Infinity
  const FLOAT_MARK = "\u0000cbqr-float";

  /** ``json.loads(text)`` as the Python verifier reads a JWS header or the claims.
   *
   * Python's json module also reads NaN, Infinity and -Infinity, and keeps a float (1.0,
   * 1e3) apart from an int (1), which JSON.parse cannot: such numbers become PyFloat
   * values, which only the credits claim accepts (cbqr.from_claims). With ``exact``, no
   * whitespace may surround the value (cbqr.parse_claims uses raw_decode).
   */
  function parsePyJson(text, exact) {
    if (exact && (!text || /[ \t\n\r]/.test(text[0]) || /[ \t\n\r]/.test(text[text.length - 1]))) {
      throw new SyntaxError("whitespace around the JSON value");
    }
    let floats = false;
    let marked = "";
    JSON_TOKEN.lastIndex = 0;
    while (JSON_TOKEN.lastIndex < text.length) {
      const at = JSON_TOKEN.lastIndex;
      const match = JSON_TOKEN.exec(text);
      if (!match) throw new SyntaxError(`not JSON at ${at}`);
      const token = match[0];
      if (JSON_NUMBER_START.test(token) && !JSON_INT.test(token)) {
        floats = true;
        marked += `{"\\u0000cbqr-float":"${token}"}`; // the key FLOAT_MARK, as JSON
      } else {
        marked += token;
      }
    }
    if (!floats) return JSON.parse(text);
    return JSON.parse(marked, (key, value) =>
      value !== null && typeof value === "object" && typeof value[FLOAT_MARK] === "string"
        ? new PyFloat(Number(value[FLOAT_MARK]))
        : value,
    );
  }

  /** ``dt`` as Python's date.fromisoformat reads it: YYYY-MM-DD, YYYYMMDD or an ISO
   * week date (YYYY-Www[-D], YYYYWww[D]); the day as YYYY-MM-DD, or null. */
  function isoDate(text) {
    const day = (y, m, d) => {
      const date = new Date(0);
      date.setUTCFullYear(y, m - 1, d);
      return date;
    };
    let date;
    let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text) || /^(\d{4})(\d{2})(\d{2})$/.exec(text);
    if (m) {
      const [y, mo, d] = [+m[1], +m[2], +m[3]];
      date = day(y, mo, d);
      if (y < 1 || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
    } else {
      m = /^(\d{4})-W(\d{2})(?:-([0-9]))?$/.exec(text) || /^(\d{4})W(\d{2})([0-9])?$/.exec(text);
      if (!m) return null;
      const [y, week, weekday] = [+m[1], +m[2], m[3] === undefined ? 1 : +m[3]];
      const jan1 = day(y, 1, 1).getUTCDay();
      const weeks = jan1 === 4 || (jan1 === 3 && day(y, 2, 29).getUTCMonth() === 1) ? 53 : 52;
      if (y < 1 || week < 1 || week > weeks || weekday < 1 || weekday > 7) return null;
      const jan4 = day(y, 1, 4);
      date = day(y, 1, 4 - ((jan4.getUTCDay() + 6) % 7) + (week - 1) * 7 + weekday - 1);
    }
    const year = date.getUTCFullYear();
    if (year < 1 || year > 9999) return null;
    const pad = (n, w) => String(n).padStart(w, "0");
    return `${pad(year, 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)}`;
  }

  // -- encodings ---------------------------------------------------------------------

  function b64decode(text) {
    const std = text.replace(/-/g, "+").replace(/_/g, "/");
    const bin = atob(std + "===".slice((std.length + 3) % 4));
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  /** One JWS part; only the canonical unpadded spelling (see jws.strict_b64url). */
  function strictB64(part) {
    const rest = part.length % 4;
    if (!B64URL.test(part) || rest === 1 || (rest && !CANONICAL_LAST[rest].includes(part[part.length - 1]))) {
      fail("bad_encoding", "the JWS is not canonical base64url");
    }
    return b64decode(part);
  }

  function decodeDigits(digits) {
    if (digits.length % 2) fail("bad_encoding", "the QR digits have an odd length (truncated?)");
    if (!digits) fail("bad_encoding", "the QR digits are empty");
    if (!/^[0-9]+$/.test(digits)) fail("bad_encoding", "the QR digits hold a character that is not a digit");
    let jws = "";
    for (let i = 0; i < digits.length; i += 2) {
      const c = String.fromCharCode(Number(digits.slice(i, i + 2)) + DIGIT_OFFSET);
      if (!JWS_ALPHABET.test(c)) fail("bad_encoding", "a digit pair lies outside the JWS alphabet");
      jws += c;
    }
    return jws;
  }

  /** The compact JWS in QR text, bare digits or a bare JWS (cbqr.extract_jws). */
  function extractJws(input) {
    const text = pyStrip(input);
    if (!text) fail("malformed", "the input is empty");
    const hash = text.lastIndexOf("#");
    if (hash >= 0) {
      if (!text.slice(0, hash).endsWith(VERIFY_PATH)) {
        fail("malformed", `the URL is not a creditbank verify link (…${VERIFY_PATH}#digits)`);
      }
      return decodeDigits(text.slice(hash + 1));
    }
    if (text.includes(".")) return text;
    if (/^[0-9]+$/.test(text)) return decodeDigits(text);
    return fail("bad_encoding", "the input is neither QR digits, a verify link nor a compact JWS");
  }

  /** Inflate ``bytes`` (format "deflate-raw" or "deflate" = zlib) with an output cap. */
  async function inflate(bytes, format, cap) {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream(format));
    const reader = stream.getReader();
    const chunks = [];
    let total = 0;
    for (;;) {
      let step;
      try {
        step = await reader.read();
      } catch (e) {
        throw new Error("bad");
      }
      if (step.done) break;
      total += step.value.length;
      if (total > cap) {
        reader.cancel().catch(() => {});
        throw new Error("cap");
      }
      chunks.push(step.value);
    }
    const out = new Uint8Array(total);
    let at = 0;
    for (const chunk of chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }

  // -- keys ----------------------------------------------------------------------------

  const IMPORT = {
    ES256: { name: "ECDSA", namedCurve: "P-256" },
    EdDSA: { name: "Ed25519" },
    RS256: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
  };
  const VERIFY = {
    ES256: { name: "ECDSA", hash: "SHA-256" },
    EdDSA: { name: "Ed25519" },
    RS256: { name: "RSASSA-PKCS1-v1_5" },
  };

  /** A public JWK as {alg, key}; the alg must fit the key type (keys.load_public_jwk). */
  async function importJwk(jwk) {
    if (!isObject(jwk) || "d" in jwk) throw new Error("not a public JWK");
    let alg;
    let material;
    if (jwk.kty === "EC" && jwk.crv === "P-256") {
      alg = "ES256";
      material = { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y };
    } else if (jwk.kty === "OKP" && jwk.crv === "Ed25519") {
      alg = "EdDSA";
      material = { kty: "OKP", crv: "Ed25519", x: jwk.x };
    } else if (jwk.kty === "RSA") {
      alg = "RS256";
      material = { kty: "RSA", n: jwk.n, e: jwk.e };
    } else {
      throw new Error("unsupported key type");
    }
    if (jwk.alg !== alg) throw new Error("the JWK alg does not fit its key type");
    const key = await crypto.subtle.importKey("jwk", material, IMPORT[alg], false, ["verify"]);
    return { alg, key };
  }

  async function signatureOk(pub, signature, data) {
    if (SIGNATURE_BYTES[pub.alg] && signature.length !== SIGNATURE_BYTES[pub.alg]) return false;
    try {
      return await crypto.subtle.verify(VERIFY[pub.alg], pub.key, signature, data);
    } catch (e) {
      return false;
    }
  }

  // -- trust bundle --------------------------------------------------------------------

  const bundleError = (detail) => fail("malformed_trust_bundle", detail);

  /** The bundle document after its anchor signature checked out (trust_bundle.open_bundle,
   * page_bundle.open_page_bundle: the header typ says which of the two it is). */
  async function openBundle(raw, anchorJwk) {
    if (typeof raw !== "string" || raw.length > MAX_BUNDLE_CHARS) bundleError("no usable trust bundle");
    let outer;
    try {
      outer = JSON.parse(raw);
    } catch (e) {
      bundleError("the trust bundle is not JSON");
    }
    if (!isObject(outer)) bundleError("the trust bundle is not a JSON object");
    if (!("signature" in outer) || !("protected" in outer)) {
      fail("unsigned_trust_bundle", "the trust bundle carries no signature");
    }
    let anchor;
    try {
      anchor = await importJwk(anchorJwk);
    } catch (e) {
      bundleError("the trust anchor key is not usable");
    }
    let header;
    let signature;
    let document;
    const protectedPart = String(outer.protected);
    const payloadPart = String(outer.payload);
    try {
      if (!("payload" in outer)) throw new Error("no payload");
      header = JSON.parse(utf8.decode(b64decode(protectedPart)));
      signature = b64decode(String(outer.signature));
      document = JSON.parse(utf8.decode(b64decode(payloadPart)));
    } catch (e) {
      bundleError("the trust bundle JWS is malformed");
    }
    const kind = isObject(header) && Object.hasOwn(KINDS, header.typ) ? KINDS[header.typ] : null;
    if (!kind) bundleError(`the header typ must be ${BUNDLE_TYP} or ${PAGE.typ}`);
    if (header.alg !== anchor.alg) {
      fail("bad_trust_bundle_signature", "the bundle's algorithm is not the anchor key's");
    }
    if (!(await signatureOk(anchor, signature, ascii(`${protectedPart}.${payloadPart}`)))) {
      fail("bad_trust_bundle_signature", "the trust bundle is not signed by the pinned anchor");
    }
    if (!isObject(document) || document.type !== kind.type) bundleError(`not a ${kind.type}`);
    if (document.version !== kind.version) bundleError("unsupported trust bundle version");
    return { document, page: kind.page };
  }

  function parseTime(value, what) {
    const text = String(value);
    const ms = Date.parse(text);
    if (!/^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2})$/.test(text) || Number.isNaN(ms)) {
      bundleError(`${what} is not an ISO-8601 time with a zone`);
    }
    return ms / 1000;
  }

  const names = (item) => {
    const name = (isObject(item) && item.name) || {};
    return { zh: String(name.zh ?? ""), en: String(name.en ?? "") };
  };

  function statusList(item) {
    if (!isObject(item)) bundleError("a status list is malformed");
    const bits = Number(item.bits);
    const size = Number(item.size);
    if (!STATUS_LIST_BITS.includes(bits) || !Number.isInteger(size) || size <= 0) {
      bundleError("a status list has a bad bits/size");
    }
    let packed;
    try {
      packed = b64decode(String(item.lst));
    } catch (e) {
      bundleError(`status list ${item.id} is malformed`);
    }
    // Inflated when a credential names the list (listData): a bundle of a large bank holds
    // hundreds of lists, and a verdict needs one of them.
    return { id: String(item.id), issuer: String(item.issuer), bits, size, packed, data: null };
  }

  /** A directory entry of the page bundle: the list is fetched when a credential names it. */
  function directoryEntry(item) {
    if (!isObject(item)) bundleError("a list directory entry is malformed");
    const bits = Number(item.bits);
    const size = Number(item.size);
    if (!STATUS_LIST_BITS.includes(bits) || !Number.isInteger(size) || size <= 0) {
      bundleError("a status list has a bad bits/size");
    }
    const url = new URL(String(item.url), location.origin);
    if (url.origin !== location.origin || typeof item.sha256 !== "string" || !SHA256_HEX.test(item.sha256)) {
      bundleError(`list directory entry ${item.id} is malformed`);
    }
    return {
      id: String(item.id), issuer: String(item.issuer), bits, size,
      url: url.pathname + url.search, sha256: item.sha256, packed: null, data: null, loading: null,
    };
  }

  async function sha256Hex(bytes) {
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  const listCache = () => (typeof caches === "undefined" ? Promise.resolve(null) : caches.open(LIST_CACHE).catch(() => null));

  /** A status_unavailable that tells the person why: "offline" (never fetched, no network)
   * or "changed" (the server's list is newer than this page's bundle: reload). */
  function unavailable(list, hint, detail) {
    const error = new VerificationError("status_unavailable", detail);
    error.hint = hint;
    error.listId = list.id;
    throw error;
  }

  /** The bytes of directory list ``list`` whose SHA-256 is the signed one: from the
   * device's cache, else from the server (then kept in the cache). */
  async function fetchListBytes(list) {
    const cache = await listCache();
    const cached = cache && (await cache.match(list.url).catch(() => undefined));
    if (cached) {
      const bytes = new Uint8Array(await cached.arrayBuffer());
      if ((await sha256Hex(bytes)) === list.sha256) return bytes;
    }
    let response;
    try {
      response = await fetch(list.url, { cache: "no-store", credentials: "omit" });
    } catch (e) {
      return unavailable(list, "offline", `status list ${list.id} is not on this device and the server cannot be reached`);
    }
    if (!response.ok) unavailable(list, "changed", `the server has no status list ${list.id} (HTTP ${response.status})`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    if ((await sha256Hex(bytes)) !== list.sha256) {
      unavailable(list, "changed", `status list ${list.id} changed after this page's trust data was made`);
    }
    if (cache) {
      const copy = new Response(bytes, { headers: { "Content-Type": "application/json" } });
      await cache.put(list.url, copy).catch(() => {});
    }
    return bytes;
  }

  /** The packed (ZLIB) bytes of a directory list, once its digest checked out. */
  async function packedOf(list) {
    const bytes = await fetchListBytes(list);
    let item;
    try {
      item = JSON.parse(utf8.decode(bytes));
    } catch (e) {
      bundleError(`status list ${list.id} is not JSON`);
    }
    // page_bundle.read_list: the bytes must hold the list the signed entry names.
    if (!isObject(item) || ["id", "issuer", "bits", "size"].some((k) => String(item[k]) !== String(list[k]))) {
      bundleError(`status list ${list.id} is not the one named`);
    }
    try {
      return b64decode(String(item.lst));
    } catch (e) {
      return bundleError(`status list ${list.id} is malformed`);
    }
  }

  /** The inflated bytes of ``list``, checked, inflated once per loaded bundle. */
  async function listData(list) {
    if (list.data !== null) return list.data;
    if (list.packed === null) {
      // One fetch for concurrent checks of the same list; a failure may be retried.
      list.loading = list.loading || packedOf(list).finally(() => { list.loading = null; });
      list.packed = await list.loading;
    }
    if (list.data === null) {
      let data;
      try {
        data = await inflate(list.packed, "deflate", MAX_LIST_BYTES);
      } catch (e) {
        bundleError(`status list ${list.id} is malformed`);
      }
      if (data.length * 8 < list.size * list.bits) bundleError(`status list ${list.id} has the wrong length`);
      list.data = data;
    }
    return list.data;
  }

  /** Keys, issuers and status lists of a checked bundle document (verifier._trust.TrustBundle);
   * of a page bundle, the list directory (``trust.directory``: the lists fetched on demand). */
  async function trustFrom(document, page) {
    const trust = { issuers: new Map(), keys: [], proofKeys: new Map(), lists: new Map(), directory: page };
    try {
      trust.generatedAt = parseTime(document.generated_at, "generated_at");
      trust.nextUpdate = parseTime(document.next_update, "next_update");
      for (const item of document.issuers) {
        const id = String(item.id);
        const institutions = new Map();
        for (const inst of item.institutions ?? []) institutions.set(String(inst.id), names(inst));
        // The Profile is shown (name, logo, address) by record.js, never used to verify.
        const profile = isObject(item.profile) ? item.profile : null;
        trust.issuers.set(id, { id, ...names(item), institutions, profile });
        for (const jwk of item.keys) {
          let pub;
          try {
            pub = await importJwk(jwk);
          } catch (e) {
            bundleError(`a key of issuer ${id} is bad`);
          }
          const status = jwk.status === undefined ? "active" : String(jwk.status);
          const retired = jwk.retired_at ?? null;
          const since = jwk.compromised_since ?? null;
          if (jwk.kid === undefined) bundleError("a key lacks its kid");
          const entry = {
            kid: String(jwk.kid),
            ...pub,
            issuer: id,
            status,
            retiredAt: retired === null ? null : parseTime(retired, "retired_at"),
            compromisedSince: since === null ? null : parseTime(since, "compromised_since"),
            // The URL that returns the key's JWK: the kid of OB/CLR JWTs (jwt.js).
            url: jwk.id === undefined || jwk.id === null ? null : String(jwk.id),
            controller: jwk.controller === undefined || jwk.controller === null ? null : String(jwk.controller),
          };
          if ((jwk.purpose ?? "signing") === "proof") {
            // A Data Integrity key vouches only for proofs naming its method (ldp.js), never
            // for a QR credential or a JWT (verifier/_trust.py does the same).
            const method = jwk.verification_method;
            if (pub.alg !== "EdDSA" || typeof method !== "string" || typeof jwk.controller !== "string") {
              bundleError(`a proof key of issuer ${id} needs EdDSA, a verification_method and a controller`);
            }
            trust.proofKeys.set(method, entry);
          } else {
            trust.keys.push(entry);
          }
        }
      }
      const lists = page ? Array.from(document.list_directory, directoryEntry)
        : Array.from(document.status_lists === undefined ? [] : document.status_lists, statusList);
      for (const list of lists) {
        trust.lists.set(`${list.issuer}\u0000${list.id}`, list);
      }
    } catch (e) {
      if (e instanceof VerificationError) throw e;
      bundleError("the bundle document lacks a field");
    }
    return trust;
  }

  // -- the credential ------------------------------------------------------------------

  /** A compact JWS read without trusting it (jws.split); ``maxLength`` in code points. */
  function split(token, maxLength = MAX_TOKEN) {
    // Python counts code points, JavaScript UTF-16 units.
    if (token.length > maxLength && [...token].length > maxLength) {
      fail("too_large", `the token is longer than ${maxLength} characters`);
    }
    if (!/^[A-Za-z0-9_.-]*$/.test(token)) fail("bad_encoding", "the JWS holds a character outside the base64url alphabet");
    const parts = token.split(".");
    if (parts.length !== 3) fail("malformed", "a compact JWS has three dot-separated parts");
    const [head, body, sig] = parts;
    if (!head || !sig) fail("malformed", "the JWS header or signature is empty");
    const payload = strictB64(body);
    const signature = strictB64(sig);
    let header;
    try {
      // json.loads of bytes, as _jws.header_of does it, skips a UTF-8 byte order mark.
      header = parsePyJson(utf8.decode(strictB64(head)).replace(/^\ufeff/, ""), false);
    } catch (e) {
      fail("bad_encoding", "the JWS header is not base64url JSON");
    }
    if (!isObject(header)) fail("malformed", "the JWS header is not a JSON object");
    return { header, payload, signature, signingInput: ascii(`${head}.${body}`) };
  }

  /** The key among ``candidates`` that signed ``jws``; ``alg`` only selects (_verify.find_key). */
  async function findKey(jws, alg, candidates) {
    if (!candidates.length) fail("unknown_key", "no trusted key has this kid");
    const fitting = candidates.filter((k) => k.alg === alg);
    if (!fitting.length) fail("alg_mismatch", `the trusted key is ${candidates[0].alg}, the token says ${alg}`);
    const expected = SIGNATURE_BYTES[alg];
    if (expected && jws.signature.length !== expected) {
      fail("malformed", `an ${alg} signature is ${expected} bytes (truncated?)`);
    }
    for (const key of fitting) {
      if (await signatureOk(key, jws.signature, jws.signingInput)) return key;
    }
    return fail("bad_signature", "the signature does not match the trusted key");
  }

  const str = (v) => (typeof v === "string" ? v : fail("malformed", "expected a string"));
  const int = (v) => (isInt(v) ? v : fail("malformed", "expected an integer"));
  const time = (v) => {
    const t = int(v);
    return t >= 0 && t <= MAX_NUMERIC_DATE ? t : fail("malformed", "a time lies outside 1970-9999");
  };

  function entry(data) {
    if (!isObject(data)) fail("malformed", "a credit entry is not a JSON object");
    // An int is taken as it is; a float must be a finite multiple of 0.5 (cbqr._entry).
    const c = data.c instanceof PyFloat ? data.c.value : data.c;
    if (!(isInt(data.c) || (data.c instanceof PyFloat && Number.isFinite(c) && Number.isInteger(c * 2))) || c < 0) {
      fail("malformed", "credits must be a finite non-negative multiple of 0.5");
    }
    const date = isoDate(str(data.dt));
    if (date === null) fail("malformed", "an entry date is not YYYY-MM-DD");
    return {
      title: str(data.t),
      domain: str(data.d),
      kind: str(data.k),
      credits: c,
      hours: data.h === undefined || data.h === null ? null : int(data.h),
      standard: str(data.s),
      institution: str(data.i),
      date,
    };
  }

  async function parseClaims(payload) {
    let claims;
    try {
      claims = parsePyJson(utf8.decode(await inflate(payload, "deflate-raw", MAX_INFLATED)), true);
    } catch (e) {
      if (e.message === "cap") fail("too_large", `the payload inflates beyond ${MAX_INFLATED} bytes`);
      fail("bad_encoding", "the payload is not DEFLATE-compressed UTF-8 JSON");
    }
    if (!isObject(claims)) fail("malformed", "the claims are not a JSON object");
    for (const name of ["st", "cr", "iss", "jti", "nbf", "n", "id"]) {
      if (!(name in claims)) fail("malformed", `the claims lack ${name}`);
    }
    const { st, cr } = claims;
    if (!Array.isArray(cr) || !cr.length) fail("malformed", "a credential holds at least one credit entry");
    if (!Array.isArray(st) || st.length !== 2) fail("malformed", "the status reference is [list id, index]");
    return {
      issuer: str(claims.iss),
      jti: str(claims.jti),
      nbf: time(claims.nbf),
      exp: claims.exp === undefined || claims.exp === null ? null : time(claims.exp),
      name: str(claims.n),
      maskedId: str(claims.id),
      entries: cr.map(entry),
      statusList: str(st[0]),
      statusIndex: int(st[1]),
    };
  }

  function checkKeyState(key, nbf) {
    if (key.status === "active" && key.compromisedSince === null) return;
    if (key.compromisedSince !== null && nbf >= key.compromisedSince) {
      fail("key_compromised", `key ${key.kid.slice(0, KID_LENGTH)} is compromised`);
    }
    if (key.status === "compromised" && key.compromisedSince === null) {
      fail("key_compromised", `key ${key.kid.slice(0, KID_LENGTH)} is compromised`);
    }
    if (key.retiredAt !== null && key.status === "retired" && nbf > key.retiredAt) {
      fail("key_retired", `key ${key.kid.slice(0, KID_LENGTH)} was retired before this credential's date`);
    }
  }

  /** Resolve when slot ``index`` of ``issuer``'s list ``listId`` is valid, else throw
   * (verifier.rules.check_status): ``status_unavailable`` without the list, ``malformed``
   * for an index outside it, ``revoked``, ``suspended``, ``status_unavailable`` for any
   * other value. Every form's check of a status goes through here (jwt.js and sdjwt.js too): with a page bundle the list
   * is taken from the device's cache or fetched, and read only once its SHA-256 is the
   * one the anchor signed; offline without it: ``status_unavailable`` with hint "offline". */
  async function checkSlot(trust, issuer, listId, index) {
    const list = trust.lists.get(`${issuer}\u0000${listId}`);
    if (!list) fail("status_unavailable", `the trust bundle has no status list ${listId}`);
    // An embedded list is checked first, as the Python verifier checks it when the bundle
    // loads; a directory list only after the index: an index outside it needs no fetch.
    if (!list.url) await listData(list);
    if (!isInt(index) || index < 0 || index >= list.size) fail("malformed", `status index ${index} outside list ${list.id}`);
    const data = await listData(list);
    const bit = index * list.bits;
    const value = (data[bit >> 3] >> (bit & 7)) & ((1 << list.bits) - 1);
    if (value === STATUS.revoked) fail("revoked", "the issuer has revoked this credential");
    if (value === STATUS.suspended) fail("suspended", "the issuer has suspended this credential");
    if (value !== STATUS.valid) fail("status_unavailable", `unknown status value ${value}`);
  }

  /** Raise ``stale_trust_bundle`` when the bundle is older than ``maxAgeHours`` at ``now``. */
  function checkFresh(trust, maxAgeHours, now) {
    if (maxAgeHours !== null && now - trust.generatedAt > maxAgeHours * 3600) {
      fail("stale_trust_bundle", `the trust bundle is older than ${maxAgeHours} h; reconnect to refresh it`);
    }
  }

  /** Verify ``text`` (QR text, digits or JWS); resolves to the result or throws. */
  async function verify(text, trustPromise, maxAgeHours) {
    const trust = await trustPromise;
    const now = Date.now() / 1000;
    checkFresh(trust, maxAgeHours, now);
    const jws = split(extractJws(text));
    const header = jws.header;
    if (header.typ !== TYP || header.zip !== ZIP) fail("malformed", "not a cbqr credential");
    const alg = header.alg;
    if (!ALGORITHMS.includes(alg)) fail("unsupported_alg", `algorithm ${alg} is never accepted`);
    const kid = header.kid;
    if (typeof kid !== "string" || kid.length !== KID_LENGTH) fail("malformed", `the kid must have ${KID_LENGTH} characters`);
    const key = await findKey(jws, alg, trust.keys.filter((k) => k.kid.startsWith(kid)));
    const cred = await parseClaims(jws.payload);
    const issuer = trust.issuers.get(cred.issuer);
    if (!issuer || key.issuer !== cred.issuer) fail("unknown_issuer", `issuer ${cred.issuer} is not trusted for this key`);
    checkKeyState(key, cred.nbf);
    if (now + LEEWAY < cred.nbf) fail("not_yet_valid", "the credential is not valid yet");
    if (cred.exp !== null && now - LEEWAY >= cred.exp) fail("expired", "the credential has expired");
    await checkSlot(trust, cred.issuer, cred.statusList, cred.statusIndex);
    return { cred, issuer, key };
  }

  /** The trust the page embeds ({bundle, anchor}), opened and checked once. */
  async function loadTrust(config) {
    const { document, page } = await openBundle(config.bundle, config.anchor);
    return trustFrom(document, page);
  }

  /** The directory lists as {url, sha256} (for sw.js, which keeps them all for offline use). */
  const directoryOf = (trust) => (trust.directory ? Array.from(trust.lists.values(), (l) => ({ url: l.url, sha256: l.sha256 })) : []);

  window.creditbankVerify = {
    extractJws, decodeDigits, loadTrust, verify, checkSlot, directoryOf, VerificationError, LIMITS, LIST_CACHE,
    // The parts the other forms' verifiers (jwt.js, sdjwt.js) share with the QR path.
    parts: {
      fail, isObject, isInt, utf8, ascii, pyStrip, parsePyJson, PyFloat, b64decode, strictB64,
      importJwk, signatureOk, split, findKey, checkKeyState, checkSlot, checkFresh,
    },
  };
})();
