/* creditbank verify page: which form of credential a pasted text is.
 *
 * The page verifies the QR credential (cbqr, verify.js), the Open Badges 3.0 / CLR 2.0
 * JWTs (jwt.js), their Data Integrity (JSON-LD, eddsa-rdfc-2022) form (ldp.js) and SD-JWT
 * VC presentations (sdjwt.js) itself.
 * The kinds and how they are told apart are those of the CLI (verifier/_detect.py),
 * judged from the shape and the unverified header only.
 */
"use strict";
(function () {
  /** The forms the page verifies itself besides the QR credential. */
  const CHECKED = ["ob3", "clr", "ob3-ldp", "clr-ldp", "sd-jwt"];

  /** The names of the forms, in Chinese and English. */
  const NAMES = {
    ob3: ["Open Badges 3.0 徽章（JWT）", "Open Badges 3.0 badge (JWT)"],
    clr: ["CLR 2.0 学习记录（JWT）", "CLR 2.0 learner record (JWT)"],
    "ob3-ldp": ["Open Badges 3.0 徽章（数据完整性证明）", "Open Badges 3.0 badge (Data Integrity proof)"],
    "clr-ldp": ["CLR 2.0 学习记录（数据完整性证明）", "CLR 2.0 learner record (Data Integrity proof)"],
    "sd-jwt": ["SD-JWT VC 选择性披露凭证", "SD-JWT VC presentation"],
  };

  function json(part) {
    const text = atob(part.replace(/-/g, "+").replace(/_/g, "/"));
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(text, (c) => c.charCodeAt(0))));
  }

  const typesOf = (value) => (value && Array.isArray(value.type) ? value.type : []);

  /** The kind of ``text`` when it is not a QR credential, else null (cbqr). */
  function detect(text) {
    if (typeof text !== "string") return null;
    const t = text.trim();
    if (t.startsWith("{")) {
      let types = [];
      try {
        types = typesOf(JSON.parse(t));
      } catch (e) {
        // Not JSON: the CLI reports what is wrong with it, as for any JSON credential.
      }
      return types.includes("ClrCredential") ? "clr-ldp" : "ob3-ldp";
    }
    if (t.includes("~") && t.split("~", 1)[0].split(".").length === 3) return "sd-jwt";
    const parts = t.split(".");
    if (parts.length !== 3 || t.includes("#")) return null;
    let header;
    try {
      header = json(parts[0]);
    } catch (e) {
      return null; // the QR credential's verifier says what is wrong with it
    }
    if (!header || header.typ !== "JWT") return null;
    let types = [];
    try {
      types = typesOf(json(parts[1]));
    } catch (e) {
      // An unreadable payload is still an OB JWT by its header, as in the CLI.
    }
    return types.includes("ClrCredential") ? "clr" : "ob3";
  }

  window.creditbankFormats = { detect, NAMES, CHECKED };
})();
