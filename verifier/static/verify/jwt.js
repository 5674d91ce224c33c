/* creditbank verify page: Open Badges 3.0 and CLR 2.0 JWTs, checked in the browser.
 *
 * The same checks, in the same order and with the same error codes, as the Python
 * verifier (verifier/_verify_vc.py, verifier/formats/vc_jwt.py, bitstring_status.py,
 * verifier/rules.py): the key found by the header's kid in the embedded trust bundle (its
 * URL or its thumbprint), the algorithm the key's, never the header's; the key's state;
 * nbf/exp and their agreement with validFrom/validUntil; OB 3.0 §8.2.6 (sub is
 * credentialSubject.id); every status entry against the bundle's status lists; and for a
 * CLR every enveloped OB JWT the same way. The tests/vectors/vc/ vectors hold the page to it.
 * page.js loads this file only when a pasted text is one of these forms (formats.js): the
 * QR path loads nothing more. The service worker keeps it for offline use.
 */
"use strict";
(function () {
  const V = window.creditbankVerify;
  const P = V.parts;
  const { fail, isObject, isInt } = P;
  const VC = V.LIMITS.vc_jwt;
  const LEEWAY = V.LIMITS.cbqr.leeway_seconds;
  const ALGORITHMS = V.LIMITS.cbqr.algorithms;
  const OB3_TYPES = ["VerifiableCredential", "OpenBadgeCredential"];
  const CLR_TYPES = ["VerifiableCredential", "ClrCredential"];
  const ENTRY_TYPE = "BitstringStatusListEntry";
  const PURPOSES = ["revocation", "suspension", "message"];
  const LIST_VIEWS = ["bitstring", "revocation", "suspension"];
  const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2})$/;

  const has = (object, name) => Object.prototype.hasOwnProperty.call(object, name);

  /** ``value`` with Python's floats as plain numbers (for showing and comparing). */
  function plain(value) {
    if (value instanceof P.PyFloat) return value.value;
    if (Array.isArray(value)) return value.map(plain);
    if (value !== null && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
    }
    return value;
  }

  /** Python's ``==`` on two JSON values (1.0 equals 1, members in any order). */
  function same(a, b) {
    [a, b] = [plain(a), plain(b)];
    if (Array.isArray(a) || Array.isArray(b)) {
      return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => same(x, b[i]));
    }
    if (a !== null && b !== null && typeof a === "object" && typeof b === "object") {
      const keys = Object.keys(a);
      return keys.length === Object.keys(b).length && keys.every((k) => has(b, k) && same(a[k], b[k]));
    }
    return a === b;
  }

  /** Seconds since the epoch of an XML Schema dateTime with a zone (vc_jwt._timestamp). */
  function timestamp(text) {
    const ms = typeof text === "string" && ISO_TIME.test(text) ? Date.parse(text) : NaN;
    if (Number.isNaN(ms)) fail("malformed", "the credential lacks or misspells a field: a date");
    return Math.trunc(ms / 1000);
  }

  /** Raise outside ``[nbf, exp)`` ± the leeway (rules.check_dates). */
  function checkDates(nbf, exp, now) {
    if (now + LEEWAY < nbf) fail("not_yet_valid", "the credential is not valid yet");
    if (exp !== null && now - LEEWAY >= exp) fail("expired", "the credential has expired");
  }

  /** The trusted key that signed ``jws``, found by its kid: URL or thumbprint (_verify_vc.trusted_key). */
  async function trustedKey(jws, trust) {
    const alg = jws.header.alg;
    if (!ALGORITHMS.includes(alg)) fail("unsupported_alg", `algorithm ${alg} is never accepted`);
    const kid = jws.header.kid;
    if (typeof kid !== "string") fail("malformed", "the JWT header has no kid");
    const key = trust.keys.find((k) => k.kid === kid) || trust.keys.find((k) => k.url === kid);
    if (!key) fail("unknown_key", "no trusted key has this kid");
    return P.findKey(jws, alg, [key]);
  }

  /** The list id of ``…/status-lists/{id}[/bitstring|/revocation|/suspension]`` (rules.list_id_from_uri). */
  function listIdFromUri(uri) {
    const parts = uri.split("#")[0].split("/").filter((p) => p);
    if (parts.length && LIST_VIEWS.includes(parts[parts.length - 1])) parts.pop();
    if (parts.length < 2 || parts[parts.length - 2] !== "status-lists") {
      fail("status_unavailable", `${uri} is not a creditbank status-list URL`);
    }
    return parts[parts.length - 1];
  }

  /** ``[statusListCredential, index]`` of each status entry, once each (bitstring_status.entry_slots). */
  function slots(credential) {
    let entries = credential.credentialStatus;
    if (isObject(entries)) entries = [entries];
    if (!Array.isArray(entries) || !entries.length) fail("malformed", "the credential has no usable credentialStatus");
    const found = new Map();
    for (const entry of entries) {
      if (!isObject(entry) || entry.type !== ENTRY_TYPE) fail("malformed", `credentialStatus entries must be ${ENTRY_TYPE}`);
      if (!PURPOSES.includes(entry.statusPurpose)) fail("malformed", "unknown statusPurpose");
      const index = entry.statusListIndex;
      if (typeof index !== "string" || !/^[0-9]+$/.test(index)) fail("malformed", "statusListIndex must be a string of digits");
      const uri = String(entry.statusListCredential);
      found.set(`${uri}\u0000${Number(index)}`, [uri, Number(index)]);
    }
    return [...found.values()];
  }

  function json(bytes, code, what) {
    try {
      return P.parsePyJson(P.utf8.decode(bytes).replace(/^\ufeff/, ""), false);
    } catch (e) {
      return fail(code, `${what} is not JSON`);
    }
  }

  /** The payload as a credential of ``types``, its registered claims consistent with it (vc_jwt.claims_of). */
  function claimsOf(jws, types) {
    const claims = json(jws.payload, "malformed", "the JWT payload");
    if (!isObject(claims)) fail("malformed", "the JWT payload is not an object");
    const kinds = claims.type;
    if (!Array.isArray(kinds) || !types.every((t) => kinds.includes(t))) {
      fail("malformed", `the credential is not of type ${types.join(", ")}`);
    }
    const bad = (what) => fail("malformed", what);
    for (const name of ["issuer", "credentialSubject", "validFrom", "iss", "jti", "id", "nbf"]) {
      if (!has(claims, name)) bad(`the credential lacks ${name}`);
    }
    const { issuer, credentialSubject: subject } = claims;
    if (!isObject(issuer) || !has(issuer, "id")) bad("the credential's issuer has no id");
    if (!same(claims.iss, issuer.id) || !same(claims.jti, claims.id)) bad("iss/jti differ from issuer.id/id");
    if (!isInt(claims.nbf) || claims.nbf !== timestamp(claims.validFrom)) bad("nbf differs from validFrom");
    if (has(claims, "exp") && !isInt(claims.exp)) bad("exp must be an integer");
    if (has(claims, "validUntil") && (!has(claims, "exp") || claims.exp !== timestamp(claims.validUntil))) {
      bad("exp differs from validUntil");
    }
    if (!isObject(subject)) bad("credentialSubject must be an object");
    // OB 3.0 §8.2.6: sub is credentialSubject.id (absent together, or equal).
    if (!same(has(claims, "sub") ? claims.sub : null, has(subject, "id") ? subject.id : null)) {
      bad("sub differs from credentialSubject.id");
    }
    return claims;
  }

  /** One VC JWT checked against the bundle (_verify_vc._verify). */
  async function verifyJwt(token, trust, types, now, maxAgeHours) {
    P.checkFresh(trust, maxAgeHours, now);
    const jws = P.split(P.pyStrip(token), VC.max_length);
    if (jws.header.typ !== VC.typ) fail("malformed", `not a VC JWT (typ ${jws.header.typ})`);
    const key = await trustedKey(jws, trust);
    const claims = claimsOf(jws, types);
    const issuer = trust.issuers.get(key.issuer);
    if (!issuer) fail("unknown_issuer", `issuer ${key.issuer} is not in the trust bundle`);
    P.checkKeyState(key, claims.nbf);
    checkDates(claims.nbf, has(claims, "exp") ? claims.exp : null, now);
    for (const [uri, index] of slots(claims)) await P.checkSlot(trust, key.issuer, listIdFromUri(uri), index);
    return { claims: plain(claims), key, issuer };
  }

  /** The OB JWTs a CLR envelopes, each verified as an OB JWT (_verify_vc.verify_clr). */
  async function envelopedOf(claims, trust, now) {
    const enveloped = claims.credentialSubject.verifiableCredential;
    if (!Array.isArray(enveloped) || !enveloped.length) fail("malformed", "a ClrSubject holds at least one verifiableCredential");
    const inner = [];
    for (const item of enveloped) {
      if (!isObject(item) || item.type !== "EnvelopedVerifiableCredential") {
        fail("malformed", "CLR entries must be EnvelopedVerifiableCredential");
      }
      const context = has(item, "@context") ? item["@context"] : VC.vc_context; // absent in earlier transcripts
      const first = Array.isArray(context) && context.length ? context[0] : context;
      if (first !== VC.vc_context) fail("malformed", "an enveloped credential's @context must be VC 2.0's");
      const id = String(has(item, "id") ? item.id : "");
      if (!id.startsWith(VC.enveloped_prefix)) fail("malformed", "an enveloped credential is not a data: URL of a VC JWT");
      inner.push((await verifyJwt(id.slice(VC.enveloped_prefix.length), trust, OB3_TYPES, now, null)).claims);
    }
    return inner;
  }

  // -- what the page shows -------------------------------------------------------------

  const text = (v) => (v === undefined || v === null ? "" : typeof v === "string" ? v : JSON.stringify(v));
  const half = (values) => values.reduce((sum, v) => sum + (typeof v === "number" ? v * 2 : 0), 0) / 2;

  function learnerName(subject) {
    const ids = Array.isArray(subject.identifier) ? subject.identifier : [];
    const named = ids.find((i) => isObject(i) && i.identityType === "name" && i.hashed === false);
    return named ? text(named.identityHash) : "—";
  }

  /** One row of the page's table from an AchievementSubject (vc_documents.achievement_credential). */
  function entryOf(claims) {
    const subject = claims.credentialSubject;
    const achievement = isObject(subject.achievement) ? subject.achievement : {};
    const ledger = isObject(subject.ledgerEntry) ? subject.ledgerEntry : {};
    const creator = isObject(achievement.creator) ? achievement.creator : {};
    const institution = /\/institutions\/([^/]+)$/.exec(text(creator.id));
    return {
      title: text(achievement.name ?? claims.name),
      domain: text(achievement.fieldOfStudy),
      kind: text(achievement.achievementType),
      credits: typeof subject.creditsEarned === "number" ? subject.creditsEarned : achievement.creditsAvailable,
      hours: typeof ledger.studyHours === "number" ? ledger.studyHours : null,
      standard: text(ledger.conversionStandard),
      institution: institution ? institution[1] : text(creator.name),
      institutionName: text(creator.name),
      date: (/^\d{4}-\d{2}-\d{2}/.exec(text(subject.activityEndDate)) || [""])[0],
    };
  }

  /** The credential in the shape page.js shows (that of a verified QR credential). */
  function shown(claims, entries, form) {
    return {
      form,
      name: learnerName(claims.credentialSubject),
      maskedId: "—",
      entries,
      total: half(entries.map((e) => e.credits)),
      nbf: claims.nbf,
      exp: typeof claims.exp === "number" ? claims.exp : null,
      jti: text(claims.id),
    };
  }

  /** Verify a pasted OB 3.0 (``form`` "ob3") or CLR 2.0 ("clr") JWT; resolves or throws. */
  async function verify(form, token, trustPromise, maxAgeHours) {
    const trust = await trustPromise;
    const now = Date.now() / 1000;
    const types = form === "clr" ? CLR_TYPES : OB3_TYPES;
    const { claims, key, issuer } = await verifyJwt(token, trust, types, now, maxAgeHours);
    const parts = form === "clr" ? await envelopedOf(claims, trust, now) : [claims];
    return { cred: shown(claims, parts.map(entryOf), form), issuer, key, form };
  }

  window.creditbankJwt = {
    verify,
    shared: { trustedKey, listIdFromUri, checkDates, plain, json, has, text, timestamp, slots, verifyJwt, entryOf, shown },
  };
})();
