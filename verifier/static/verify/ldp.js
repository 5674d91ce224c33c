/* creditbank verify page: Open Badges 3.0 and CLR 2.0 credentials secured with a Data
 * Integrity proof (eddsa-rdfc-2022), checked in the browser.
 *
 * The same checks, in the same order and with the same error codes, as the Python verifier
 * (verifier/_verify_ldp.py, verifier/formats/data_integrity.py, jsonld_strict.py,
 * jsonld_contexts.py): the one proof's shape; the trust bundle's proof key for its
 * verificationMethod (never a key fetched or taken from the document) and its controller
 * the credential's issuer; every member defined by the contexts; the document without its
 * proof and the proof configuration each canonicalised with RDFC-1.0 (URDNA2015, the
 * vendored jsonld.js) over the bundled contexts only, SHA-256 of each, and the Ed25519
 * signature of both hashes checked with WebCrypto; then the key's state, the validity
 * dates and the status entries, through the page's one status function (verify.js
 * checkSlot); for a CLR every credential it holds the same way. The tests/vectors/ldp/
 * vectors hold the page to it. page.js loads this file, jwt.js and the JSON-LD library
 * only when a pasted text is a JSON credential: the QR path loads nothing more. The
 * contexts are page files (/v1/contexts/…) the service worker keeps; no other URL is read.
 */
"use strict";
(function () {
  const V = window.creditbankVerify;
  const P = V.parts;
  const J = window.creditbankJwt.shared;
  const { fail, isObject } = P;
  const VC = V.LIMITS.vc_jwt;
  const OB3_TYPES = ["VerifiableCredential", "OpenBadgeCredential"];
  const CLR_TYPES = ["VerifiableCredential", "ClrCredential"];
  const PROOF_TYPE = "DataIntegrityProof";
  const CRYPTOSUITE = "eddsa-rdfc-2022";
  const PROOF_PURPOSE = "assertionMethod";
  const SIGNATURE_LENGTH = 64;

  // The bundled contexts (verifier/formats/jsonld_contexts.py BUNDLED; a test keeps the two
  // in step), and our own context, which every issuer serves at the same path.
  const BUNDLED = {
    "https://www.w3.org/ns/credentials/v2": "credentials-v2.jsonld",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": "ob-v3p0-3.0.3.json",
    "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json": "clr-v2p0-2.0.1.json",
  };
  const CREDITBANK_CONTEXT_PATH = "/contexts/creditbank-v1.jsonld";
  const CREDITBANK_CONTEXT_FILE = "creditbank-v1.jsonld";
  // The base PyLD resolves a relative IRI against when none is given (its DEFAULT_BASE_IRI):
  // the same here, so that both verifiers expand and canonicalise any input alike.
  const BASE = "http://example.org/base/";

  /** The bundled file of context ``url``, or null (jsonld_contexts.bundled_document). */
  function bundledFile(url) {
    if (Object.prototype.hasOwnProperty.call(BUNDLED, url)) return BUNDLED[url];
    if (url.endsWith(CREDITBANK_CONTEXT_PATH) && (url.startsWith("https://") || url.startsWith("http://"))) {
      return CREDITBANK_CONTEXT_FILE;
    }
    return null;
  }

  /** A context refused: the loader never reads the network (jsonld_contexts.loader). */
  class ContextRefused extends Error {}

  const contexts = new Map();
  /** The document loader: a bundled context from the page's own files, nothing else. */
  async function documentLoader(url) {
    const file = bundledFile(url);
    if (file === null) throw new ContextRefused(`context ${url} is not bundled (no network loader)`);
    if (!contexts.has(file)) {
      contexts.set(file, fetch(`/v1/contexts/${file}`).then((r) => {
        if (!r.ok) throw new Error(`context file ${file} unavailable`);
        return r.text();
      }).catch((e) => {
        contexts.delete(file);
        throw e;
      }));
    }
    // A fresh copy each time, as the Python loader hands out.
    return { contextUrl: null, documentUrl: url, document: JSON.parse(await contexts.get(file)) };
  }

  /** The MalformedCredential of a JSON-LD error: ours when the loader refused (jsonld_contexts.failure). */
  function failure(error) {
    for (let cause = error; cause; cause = cause.details && cause.details.cause) {
      if (cause instanceof ContextRefused) return fail("malformed", cause.message);
      if (cause instanceof V.VerificationError) throw cause;
    }
    return fail("malformed", `the document is not valid JSON-LD: ${(error && error.name) || error}`);
  }

  // -- base58btc -----------------------------------------------------------------------

  const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

  /** The bytes of a base58 (Bitcoin alphabet) text; null when a character is outside it. */
  function base58(text) {
    const bytes = [];
    for (const char of text) {
      let carry = ALPHABET.indexOf(char);
      if (carry < 0) return null;
      for (let i = 0; i < bytes.length; i++) {
        carry += bytes[i] * 58;
        bytes[i] = carry & 0xff;
        carry >>= 8;
      }
      for (; carry; carry >>= 8) bytes.push(carry & 0xff);
    }
    for (let i = 0; i < text.length && text[i] === "1"; i++) bytes.push(0);
    return Uint8Array.from(bytes.reverse());
  }

  // -- JSON-LD ---------------------------------------------------------------------------

  const absolute = (iri) => typeof iri === "string" && (iri.startsWith("_:") || iri.includes(":"));

  /** Scalars of a compact document outside @context (jsonld_strict.compact_values). */
  function compactValues(node) {
    if (Array.isArray(node)) return node.reduce((n, v) => n + compactValues(v), 0);
    if (node !== null && typeof node === "object") {
      return Object.entries(node).reduce((n, [k, v]) => n + (k === "@context" ? 0 : compactValues(v)), 0);
    }
    return node === null ? 0 : 1;
  }

  /** Values of an expanded document, every IRI absolute (jsonld_strict.expanded_values). */
  function expandedValues(node) {
    if (Array.isArray(node)) return node.reduce((n, v) => n + expandedValues(v), 0);
    if (!isObject(node)) return 0;
    if ("@value" in node) return 1;
    let count = 0;
    if ("@id" in node) {
      if (!absolute(node["@id"])) fail("malformed", `relative identifier ${node["@id"]}: no context defines it`);
      count += 1;
    }
    for (const kind of node["@type"] || []) {
      if (!absolute(kind)) fail("malformed", `type ${kind} is not defined by the credential's contexts`);
      count += 1;
    }
    for (const [key, value] of Object.entries(node)) {
      if (key === "@id" || key === "@type") continue;
      if (!key.startsWith("@") && !absolute(key)) fail("malformed", `property ${key} is not defined by the contexts`);
      count += expandedValues(value);
    }
    return count;
  }

  async function jsonldCall(call) {
    try {
      return await call();
    } catch (e) {
      if (e instanceof V.VerificationError) throw e;
      if (e instanceof RangeError) fail("malformed", "the document nests too deeply");
      return failure(e);
    }
  }

  /** RDFC-1.0 canonical N-Quads of ``document`` (data_integrity.canonical_nquads).
   * Numbers read as in Python: PyLD writes an integral float (2.0) as the integer it
   * equals, as jsonld.js does with the 2 that JSON.parse makes of it. */
  function canonical(document, loader) {
    return jsonldCall(() => window.jsonld.canonize(document, {
      documentLoader: loader, base: BASE, algorithm: "URDNA2015", format: "application/n-quads", safe: false,
    }));
  }

  /** The document expanded, every member of it defined (jsonld_strict.assert_fully_defined). */
  async function fullyDefined(document, loader) {
    const expanded = await jsonldCall(() => window.jsonld.expand(document, { documentLoader: loader, base: BASE, safe: false }));
    if (expandedValues(expanded) !== compactValues(document)) {
      fail("malformed", "a member of the credential is not defined by its contexts");
    }
    return expanded;
  }

  /** hashData: SHA-256 of the proof configuration, then of the document (data_integrity.hash_data).
   * ``loader`` is the bundled-contexts loader; the spec's test vector names its own. */
  async function hashData(document, options, loader = documentLoader) {
    const expanded = await fullyDefined(document, loader);
    const config = { ...options, "@context": J.has(document, "@context") ? document["@context"] : null };
    delete config.proofValue;
    const data = new Uint8Array(64);
    data.set(await sha256(await canonical(config, loader)), 0);
    data.set(await sha256(await canonical(expanded, loader)), 32);
    return data;
  }

  const sha256 = async (text) => new Uint8Array(await crypto.subtle.digest("SHA-256", P.ascii(text)));

  // -- the proof ---------------------------------------------------------------------------

  /** The one eddsa-rdfc-2022 proof of ``secured``, its members checked (data_integrity.the_proof). */
  function theProof(secured) {
    let proof = secured.proof;
    if (Array.isArray(proof)) {
      if (proof.length !== 1) fail("malformed", "exactly one proof is accepted");
      proof = proof[0];
    }
    if (!isObject(proof)) fail("malformed", "the credential has no Data Integrity proof");
    if (proof.type !== PROOF_TYPE) fail("malformed", `proof type ${J.text(proof.type)} is not ${PROOF_TYPE}`);
    if (proof.cryptosuite !== CRYPTOSUITE) fail("unsupported_alg", `cryptosuite ${J.text(proof.cryptosuite)} is not accepted`);
    if (proof.proofPurpose !== PROOF_PURPOSE) fail("malformed", `proofPurpose must be ${PROOF_PURPOSE}`);
    for (const member of ["verificationMethod", "proofValue"]) {
      if (typeof proof[member] !== "string") fail("malformed", `the proof lacks ${member}`);
    }
    if (J.has(proof, "@context") && !sameJson(proof["@context"], secured["@context"])) {
      fail("malformed", "the proof's @context differs from the document's");
    }
    return proof;
  }

  const sameJson = (a, b) => JSON.stringify(a) === JSON.stringify(b);

  /** Check ``proof`` of ``secured`` with ``key`` (data_integrity.verify). */
  async function checkProof(secured, proof, key) {
    const value = proof.proofValue;
    if (!value.startsWith("z")) fail("bad_encoding", "proofValue must be multibase base58btc (prefix 'z')");
    const signature = base58(value.slice(1));
    if (signature === null) fail("bad_encoding", "proofValue is not base58btc");
    if (signature.length !== SIGNATURE_LENGTH) fail("bad_encoding", "proofValue is not an Ed25519 signature");
    const document = Object.fromEntries(Object.entries(secured).filter(([k]) => k !== "proof"));
    const options = Object.fromEntries(Object.entries(proof).filter(([k]) => k !== "proofValue"));
    // What canonicalisation would drop is not signed: refuse it rather than show it (hashData).
    const data = await hashData(document, options);
    if (!(await P.signatureOk(key, signature, data))) {
      fail("bad_signature", "the Data Integrity proof does not match the credential");
    }
  }

  /** The text as a credential: bounded, JSON, an object (_verify_ldp.parse_secured). */
  function parseSecured(text) {
    if (text.length > VC.max_length && [...text].length > VC.max_length) {
      fail("too_large", "the credential is larger than a credential may be");
    }
    let raw;
    try {
      raw = P.parsePyJson(text, false);
    } catch (e) {
      fail("malformed", "the credential is not JSON");
    }
    if (!isObject(raw)) fail("malformed", "the credential is not a JSON object");
    return raw;
  }

  /** One secured credential of ``types`` checked against the bundle (_verify_ldp._verify). */
  async function verifyDocument(raw, trust, types, now) {
    const credential = J.plain(raw);
    const kinds = credential.type;
    if (!Array.isArray(kinds) || !types.every((t) => kinds.includes(t))) {
      fail("malformed", `the credential is not of type ${types.join(", ")}`);
    }
    const proof = theProof(credential);
    const key = trust.proofKeys.get(proof.verificationMethod);
    if (!key) fail("unknown_key", "no trusted key has this verificationMethod");
    const issuer = trust.issuers.get(key.issuer);
    if (!issuer) fail("unknown_issuer", `issuer ${key.issuer} is not in the trust bundle`);
    const field = credential.issuer;
    const issuerId = isObject(field) ? field.id : field;
    if (issuerId !== key.controller) fail("unknown_issuer", "the credential's issuer does not control the proof's key");
    await checkProof(credential, proof, key);
    const nbf = J.timestamp(credential.validFrom);
    const exp = credential.validUntil === undefined || credential.validUntil === null ? null : J.timestamp(credential.validUntil);
    P.checkKeyState(key, nbf);
    J.checkDates(nbf, exp, now);
    for (const [uri, index] of J.slots(credential)) await P.checkSlot(trust, key.issuer, J.listIdFromUri(uri), index);
    return { claims: { ...credential, nbf, exp }, key, issuer };
  }

  /** The credentials a CLR holds, each verified (_verify_ldp.verify_clr_ldp). */
  async function heldOf(raw, trust, now) {
    const subject = raw.credentialSubject;
    const held = isObject(subject) ? subject.verifiableCredential : undefined;
    if (!Array.isArray(held) || !held.length) fail("malformed", "a ClrSubject holds at least one verifiableCredential");
    const inner = [];
    for (const item of held) {
      if (!isObject(item)) fail("malformed", "CLR entries must be credentials");
      if (item.type === "EnvelopedVerifiableCredential") {
        const id = String(J.has(item, "id") ? item.id : "");
        if (!id.startsWith(VC.enveloped_prefix)) fail("malformed", "an enveloped credential is not a data: URL of a VC JWT");
        inner.push((await J.verifyJwt(id.slice(VC.enveloped_prefix.length), trust, OB3_TYPES, now, null)).claims);
      } else {
        inner.push((await verifyDocument(item, trust, OB3_TYPES, now)).claims);
      }
    }
    return inner;
  }

  /** Verify a pasted OB 3.0 (``form`` "ob3-ldp") or CLR 2.0 ("clr-ldp") Data Integrity credential. */
  async function verify(form, text, trustPromise, maxAgeHours) {
    const trust = await trustPromise;
    const now = Date.now() / 1000;
    P.checkFresh(trust, maxAgeHours, now);
    const raw = parseSecured(text);
    if (!window.jsonld) fail("malformed", "the JSON-LD library is unavailable");
    const types = form === "clr-ldp" ? CLR_TYPES : OB3_TYPES;
    const { claims, key, issuer } = await verifyDocument(raw, trust, types, now);
    const parts = form === "clr-ldp" ? await heldOf(raw, trust, now) : [claims];
    return { cred: J.shown(claims, parts.map(J.entryOf), form), issuer, key, form };
  }

  window.creditbankLdp = { verify, shared: { base58, bundledFile, hashData, documentLoader } };
})();
