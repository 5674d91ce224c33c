/* creditbank verify page: SD-JWT VC presentations, checked in the browser.
 *
 * The same checks, in the same order and with the same error codes, as the Python
 * verifier (verifier/_verify_sd_jwt.py, verifier/formats/sd_jwt.py): the issuer JWT's
 * signature by the bundle key its kid names (alg from the key), the key's state,
 * nbf/exp, each disclosure's SHA-256 digest among the token's _sd digests, the KB-JWT
 * signed by the credential's cnf.jwk over the presented SD-JWT (sd_hash) and fresh by its
 * iat, then the status list. The audience and nonce are the relying party's to judge: the
 * page shows them (creditbank-verify --aud --nonce checks them). Loaded by page.js, after
 * jwt.js, only for a pasted presentation.
 */
"use strict";
(function () {
  const V = window.creditbankVerify;
  const P = V.parts;
  const J = window.creditbankJwt.shared;
  const { fail, isObject, isInt } = P;
  const { has, text } = J;
  const SD = V.LIMITS.sd_jwt;
  const LEEWAY = V.LIMITS.cbqr.leeway_seconds;
  const HOLDER_ALG = "ES256"; // RFC 7800 keys need not name their alg; ours are P-256

  function b64url(bytes) {
    let bin = "";
    for (const b of new Uint8Array(bytes)) bin += String.fromCharCode(b);
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  const digestOf = async (ascii) => b64url(await crypto.subtle.digest("SHA-256", P.ascii(ascii)));

  /** Set a member, even one named __proto__, as Python's dict would. */
  function put(object, name, value) {
    Object.defineProperty(object, name, { value, enumerable: true, writable: true, configurable: true });
  }

  /** ``jwt~disclosure~…~[kb-jwt]`` split, trusting nothing (sd_jwt.parse). */
  function parse(input) {
    const stripped = P.pyStrip(input);
    if (stripped.length > SD.max_length && [...stripped].length > SD.max_length) {
      fail("too_large", `the SD-JWT is longer than ${SD.max_length} characters`);
    }
    const parts = stripped.split("~");
    if (parts.length < 2 || !parts[0]) fail("malformed", "an SD-JWT is a JWT followed by ~-separated disclosures");
    const disclosures = parts.slice(1, -1);
    if (disclosures.some((d) => !d)) fail("malformed", "an SD-JWT has an empty disclosure");
    const kb = parts[parts.length - 1];
    return { jwt: parts[0], disclosures, kb: kb || null, presented: [parts[0], ...disclosures, ""].join("~") };
  }

  const PADDING = ["", "===", "==", "="];

  /** The disclosures by digest; bad encoding or shape raises (sd_jwt.decode_disclosures). */
  async function decodeDisclosures(encoded) {
    const out = new Map();
    for (const item of encoded) {
      let data;
      try {
        // Python's strict a2b_base64 after -_ → +/ and the padding the length asks for.
        const std = item.replace(/-/g, "+").replace(/_/g, "/") + PADDING[item.length % 4];
        if (!/^[\x00-\x7f]*$/.test(item) || std.length % 4 || !/^[A-Za-z0-9+/]*={0,2}$/.test(std)) {
          throw new Error("not base64");
        }
        const bin = atob(std);
        data = P.parsePyJson(P.utf8.decode(Uint8Array.from(bin, (c) => c.charCodeAt(0))), false);
      } catch (e) {
        fail("bad_encoding", "a disclosure is not base64url JSON");
      }
      if (!Array.isArray(data) || data.length < 2 || data.length > 3 || typeof data[0] !== "string") {
        fail("malformed", "a disclosure is [salt, name, value] or [salt, value]");
      }
      let name = null;
      if (data.length === 3) {
        name = data[1];
        if (typeof name !== "string" || name === "_sd" || name === "...") fail("malformed", "a disclosure has a bad claim name");
      }
      const digest = await digestOf(item);
      if (out.has(digest)) fail("malformed", "the same disclosure is given twice");
      out.set(digest, { name, value: data[data.length - 1] });
    }
    return out;
  }

  /** The claims with the disclosed values in place (sd_jwt._Walk); undisclosed ones stay hidden. */
  function disclosedClaims(payload, disclosures) {
    const seen = new Set();
    let found = 0;
    const take = (digest) => {
      if (typeof digest !== "string") fail("malformed", "a digest must be a string");
      if (seen.has(digest)) fail("malformed", "a digest appears twice in the token");
      seen.add(digest);
      const hit = disclosures.get(digest) || null;
      if (hit) found += 1;
      return hit;
    };
    const value = (node) => (isObject(node) ? object(node) : Array.isArray(node) ? array(node) : node);
    function object(node) {
      const out = {};
      for (const [key, item] of Object.entries(node)) {
        if (key !== "_sd") put(out, key, isObject(item) || Array.isArray(item) ? value(item) : item);
      }
      if (!has(node, "_sd") || node._sd === null) return out;
      if (!Array.isArray(node._sd)) fail("malformed", "_sd must be an array of digests");
      for (const digest of node._sd) {
        const hit = take(digest);
        if (!hit) continue;
        if (hit.name === null) fail("malformed", "an array-element disclosure used for a claim");
        if (has(out, hit.name)) fail("malformed", `claim ${hit.name} is disclosed twice`);
        put(out, hit.name, value(hit.value));
      }
      return out;
    }
    function array(node) {
      const items = [];
      for (const item of node) {
        if (isObject(item) && Object.keys(item).length === 1 && has(item, "...")) {
          const hit = take(item["..."]);
          if (!hit) continue;
          if (hit.name !== null) fail("malformed", "a claim disclosure used for an array element");
          items.push(value(hit.value));
        } else {
          items.push(isObject(item) || Array.isArray(item) ? value(item) : item);
        }
      }
      return items;
    }
    const claims = object(Object.fromEntries(Object.entries(payload).filter(([k]) => k !== "_sd_alg")));
    if (found !== disclosures.size) {
      fail("unknown_disclosure", `${disclosures.size - found} disclosure(s) are not referenced by the token`);
    }
    return claims;
  }

  /** The holder key of ``cnf.jwk`` (_verify_sd_jwt._holder_key). */
  async function holderKey(cnf) {
    let jwk = isObject(cnf) ? cnf.jwk : undefined;
    if (!isObject(jwk)) fail("holder_binding_failed", "the credential has no cnf.jwk holder key");
    if (jwk.kty === "EC" && !has(jwk, "alg")) jwk = { ...jwk, alg: HOLDER_ALG };
    try {
      return await P.importJwk(jwk);
    } catch (e) {
      return fail("holder_binding_failed", "the holder key is unusable");
    }
  }

  /** The KB-JWT's claims once its typ, signature and sd_hash checked out (sd_jwt.check_kb_jwt). */
  async function checkKbJwt(parsed, holder) {
    const refuse = (why) => fail("holder_binding_failed", why);
    if (parsed.kb === null) refuse("the presentation has no key-binding JWT");
    let kb;
    try {
      kb = P.split(parsed.kb);
    } catch (e) {
      if (e instanceof V.VerificationError && (e.code === "malformed" || e.code === "bad_encoding")) {
        refuse("the key-binding JWT is unreadable");
      }
      throw e;
    }
    if (kb.header.typ !== SD.kb_typ) refuse("the key-binding JWT has the wrong typ");
    if (kb.header.alg !== holder.alg) refuse(`the holder key is ${holder.alg}, not ${kb.header.alg}`);
    if (!(await P.signatureOk(holder, kb.signature, kb.signingInput))) refuse("the key-binding JWT is not signed by the holder key");
    let claims;
    try {
      claims = P.parsePyJson(P.utf8.decode(kb.payload), false);
    } catch (e) {
      refuse("the key-binding JWT payload is not JSON");
    }
    if (!isObject(claims)) refuse("the key-binding JWT payload is not an object");
    if (claims.sd_hash !== (await digestOf(parsed.presented))) refuse("sd_hash does not match the presented SD-JWT");
    return claims;
  }

  function isCreditCertificate(payload) {
    const { vct, iss } = payload;
    return vct === SD.vct_urn || (typeof iss === "string" && vct === iss.replace(/\/+$/, "") + SD.vct_path);
  }

  /** What the page shows of the disclosed claims, in the shape of a verified QR credential. */
  function shown(claims, payload) {
    const hidden = ["未披露", "not disclosed"].join(" ");
    const entries = (Array.isArray(claims.entries) ? claims.entries : []).filter(isObject).map((e) => ({
      title: text(e.title),
      domain: text(e.domain),
      kind: text(e.kind),
      credits: typeof e.credits === "number" ? e.credits : null,
      hours: typeof e.hours === "number" ? e.hours : null,
      standard: text(e.standard),
      institution: has(e, "institution") ? text(e.institution) : "—",
      date: has(e, "date") ? text(e.date) : "—",
    }));
    return {
      form: "sd-jwt",
      name: has(claims, "name") ? text(claims.name) : hidden,
      maskedId: has(claims, "masked_id") ? text(claims.masked_id) : hidden,
      entries,
      total: typeof claims.credits === "number" ? claims.credits : null,
      nbf: payload.nbf,
      exp: has(payload, "exp") ? payload.exp : null,
      jti: has(claims, "jti") ? text(claims.jti) : "—",
    };
  }

  /** Verify a pasted SD-JWT VC presentation; resolves to what the page shows, or throws. */
  async function verify(input, trustPromise, maxAgeHours) {
    const trust = await trustPromise;
    const now = Date.now() / 1000;
    P.checkFresh(trust, maxAgeHours, now);
    const parsed = parse(input);
    const jws = P.split(parsed.jwt, SD.max_length);
    if (jws.header.typ !== SD.typ) fail("malformed", `not an SD-JWT VC (typ ${jws.header.typ})`);
    const key = await J.trustedKey(jws, trust);
    const payload = J.json(jws.payload, "malformed", "the SD-JWT payload");
    if (!isObject(payload) || !isInt(payload.nbf)) fail("malformed", "the SD-JWT payload lacks nbf");
    if (has(payload, "exp") && !isInt(payload.exp)) fail("malformed", "exp must be an integer");
    if (!isCreditCertificate(payload) || payload._sd_alg !== SD.sd_alg) {
      fail("malformed", "not a creditbank credit certificate (vct/_sd_alg)");
    }
    const issuer = trust.issuers.get(key.issuer);
    if (!issuer) fail("unknown_issuer", `issuer ${key.issuer} is not in the trust bundle`);
    P.checkKeyState(key, payload.nbf);
    J.checkDates(payload.nbf, has(payload, "exp") ? payload.exp : null, now);
    const claims = J.plain(disclosedClaims(payload, await decodeDisclosures(parsed.disclosures)));
    const kb = await checkKbJwt(parsed, await holderKey(payload.cnf));
    const iat = kb.iat;
    if (!isInt(iat) || iat > now + LEEWAY || now - iat > SD.max_presentation_age_seconds + LEEWAY) {
      fail("stale_presentation", `the presentation's iat is not within ${SD.max_presentation_age_seconds} s`);
    }
    const status = payload.status;
    const ref = isObject(status) ? status.status_list : undefined;
    if (!isObject(ref) || !has(ref, "idx") || !has(ref, "uri") || !isInt(ref.idx) || typeof ref.uri !== "string") {
      fail("malformed", "the SD-JWT has no usable status claim");
    }
    await P.checkSlot(trust, key.issuer, J.listIdFromUri(ref.uri), ref.idx);
    const presentation = { audience: text(J.plain(kb.aud)), nonce: text(J.plain(kb.nonce)), iat };
    return { cred: shown(claims, payload), issuer, key, form: "sd-jwt", presentation };
  }

  window.creditbankSdJwt = { verify };
})();
