/* creditbank verify page: reads the input (URL fragment, photo, pasted text), shows the
 * verdict in Chinese and English, and registers the service worker for offline use.
 * The checks themselves live in verify.js (window.creditbankVerify).
 */
"use strict";
(function () {
  const V = window.creditbankVerify;
  const $ = (id) => document.getElementById(id);

  /** Codes of input that could not be read at all (the CLI's exit 2): a third verdict. */
  const UNREADABLE = new Set(["unreadable_image", "no_qr_found", "unreadable_input"]);
  const TRY_AGAIN = [
    "请拿稳手机，让二维码占满取景框，在光线充足处拍摄并避免反光；也可以改选照片或粘贴二维码内容。",
    "Hold the phone steady, let the QR code fill the frame, use good light and avoid glare; or choose a photo or paste the QR code's text instead.",
  ];

  const PRESENTATION_MINUTES = Math.round(V.LIMITS.sd_jwt.max_presentation_age_seconds / 60);
  /** Bilingual reasons, by the Python verifier's error code (verifier/_errors.py). */
  const REASONS = {
    unreadable_image: ["无法读取该图片。", "The image cannot be read."],
    no_qr_found: ["图片中没有找到二维码。", "No QR code was found in the image."],
    unreadable_input: ["无法读取输入。", "The input cannot be read."],
    malformed: ["这不是本学分银行的有效证书二维码（结构错误）。", "This is not a creditbank credential QR code (wrong structure)."],
    bad_encoding: ["二维码内容已损坏或不完整。", "The QR content is damaged or incomplete."],
    too_large: ["证书数据过大，已拒绝。", "The credential data is too large and was refused."],
    unsupported_alg: ["证书使用了不被接受的签名算法。", "The credential uses a signature algorithm that is never accepted."],
    alg_mismatch: ["签名算法与可信密钥不符。", "The signature algorithm does not match the trusted key."],
    unknown_key: ["签名密钥不在可信名单中。", "The signing key is not trusted."],
    bad_signature: ["签名无效：证书内容已被篡改或伪造。", "Invalid signature: the credential was altered or forged."],
    key_compromised: ["签名密钥已泄露，此证书不可信。", "The signing key was compromised; this credential cannot be trusted."],
    key_retired: ["签名密钥在证书日期前已停用。", "The signing key was retired before the credential's date."],
    not_yet_valid: ["证书尚未生效。", "The credential is not valid yet."],
    expired: ["证书已过期。", "The credential has expired."],
    revoked: ["证书已被颁发机构撤销。", "The issuer has revoked this credential."],
    suspended: ["证书已被颁发机构暂停。", "The issuer has suspended this credential."],
    status_unavailable: ["无法确认证书状态。", "The credential's status cannot be confirmed."],
    unknown_issuer: ["颁发机构不在可信名单中。", "The issuer is not trusted."],
    malformed_trust_bundle: ["本页的信任数据已损坏。", "This page's trust data is damaged."],
    unsigned_trust_bundle: ["本页的信任数据未经签名。", "This page's trust data is unsigned."],
    bad_trust_bundle_signature: ["本页的信任数据签名无效。", "This page's trust data carries a wrong signature."],
    stale_trust_bundle: ["本页的信任数据已过期，请联网后重新打开本页。", "This page's trust data is too old; go online and reload the page."],
    unknown_disclosure: ["披露的内容与颁发机构签名的不符：内容已被篡改。", "A disclosed claim is not one the issuer signed: it was altered."],
    holder_binding_failed: ["持有者绑定未通过：出示内容没有持有者的有效签名，或已被改动。请让学习者从钱包重新出示。",
      "Holder binding failed: the presentation lacks the holder's valid signature or was changed. Ask the learner to present it again from the wallet."],
    stale_presentation: [`出示时间不在有效范围内（须在 ${PRESENTATION_MINUTES} 分钟内），请让学习者重新出示。`,
      `The presentation is not recent (it must be under ${PRESENTATION_MINUTES} minutes old); ask the learner to present it again.`],
  };
  /** Why a status could not be confirmed, when the page knows (verify.js checkSlot). */
  const STATUS_HINTS = {
    offline: ["本设备上还没有此证书所需的状态数据，且现在无法联网。请联网后打开一次本页，之后即可离线核验。",
      "This device does not hold the status data this credential needs yet, and the server cannot be reached. Open this page once while online; after that it checks offline."],
    changed: ["证书状态数据在本页打开后已更新，请刷新本页后重新核验。",
      "The status data changed after this page was opened; reload the page and check again."],
  };
  const DOMAINS = { AM: ["先进制造", "Advanced manufacturing"], AI: ["人工智能", "Artificial intelligence"], AG: ["现代农业", "Modern agriculture"], GE: ["通用", "General"] };
  const KINDS = {
    course: ["课程", "Course"], vocational_cert: ["职业技能等级证书", "Vocational skill certificate"],
    one_plus_x: ["1+X 证书", "1+X certificate"], training: ["培训", "Training"],
    work_experience: ["工作经历", "Work experience"], award: ["竞赛获奖", "Award"], online_course: ["在线课程", "Online course"],
  };

  let config = null;
  let trustPromise;
  let trustInfo = null;
  try {
    config = JSON.parse($("cb-config").textContent);
    trustPromise = V.loadTrust(config);
  } catch (e) {
    trustPromise = Promise.reject(new V.VerificationError("malformed_trust_bundle", "the page carries no trust data"));
  }
  trustPromise.then((t) => {
    trustInfo = t;
    showBundleAge();
    document.dispatchEvent(new CustomEvent("cb:trust", { detail: t })); // record.js
  }, () => {});
  const announce = (result, error) =>
    document.dispatchEvent(new CustomEvent("cb:verdict", { detail: { result, error } }));
  const maxAgeHours = config && typeof config.maxAgeHours === "number" ? config.maxAgeHours : null;

  /** Text followed by an English span: "中文 English". */
  function bilingual(el, zh, en) {
    el.textContent = zh + " ";
    const span = document.createElement("span");
    span.lang = "en";
    span.textContent = en;
    el.appendChild(span);
  }

  function ageText(seconds) {
    const hours = Math.max(0, seconds) / 3600;
    if (hours < 1) return [`${Math.round(hours * 60)} 分钟`, `${Math.round(hours * 60)} min`];
    if (hours < 48) return [`${hours.toFixed(1)} 小时`, `${hours.toFixed(1)} h`];
    return [`${(hours / 24).toFixed(1)} 天`, `${(hours / 24).toFixed(1)} days`];
  }

  function showBundleAge() {
    if (!trustInfo) return;
    const age = Date.now() / 1000 - trustInfo.generatedAt;
    const [zh, en] = ageText(age);
    const when = new Date(trustInfo.generatedAt * 1000).toISOString().replace(".000Z", "Z");
    bilingual($("bundle-info"), `信任数据生成于 ${when}（${zh}前）。`, `Trust data generated ${when} (${en} ago).`);
    $("bundle-info").dataset.bundleAgeSeconds = String(Math.round(age));
  }

  const dateOf = (ts) => new Date(ts * 1000).toISOString().slice(0, 10);

  // Column labels, repeated in each cell for the narrow (card) layout of verify.css.
  const LABELS = ["成果 Achievement", "领域 Domain", "类型 Kind", "学分 Credits", "学时 Hours",
    "转换标准 Standard", "认证机构 Institution", "日期 Date"];

  function cell(row, text, cls) {
    const td = document.createElement("td");
    td.textContent = text;
    td.dataset.label = LABELS[row.cells.length] || "";
    if (cls) td.className = cls;
    row.appendChild(td);
    return td;
  }

  function showDetails(result) {
    const { cred, issuer } = result;
    bilingual($("f-issuer"), issuer.zh || issuer.id, `${issuer.en} (${issuer.id})`);
    $("f-learner").textContent = cred.name;
    $("f-id").textContent = cred.maskedId;
    // The other forms state their total (null: not disclosed); the QR credential's is the sum.
    const total = "total" in cred ? cred.total : cred.entries.reduce((sum, e) => sum + e.credits * 2, 0) / 2;
    $("f-total").textContent = total === null ? "未披露 not disclosed" : String(total);
    showPresentation(result.presentation);
    const until = cred.exp === null ? ["长期有效", "no expiry"] : [dateOf(cred.exp), dateOf(cred.exp)];
    bilingual($("f-validity"), `${dateOf(cred.nbf)} 起，至 ${until[0]}`, `from ${dateOf(cred.nbf)} until ${until[1]}`);
    $("f-jti").textContent = cred.jti;
    const body = $("entries").tBodies[0];
    body.replaceChildren();
    for (const e of cred.entries) {
      const row = body.insertRow();
      cell(row, e.title);
      // An OB achievement names its field ("Advanced manufacturing 先进制造") and type
      // ("Course") in words: the same words in Chinese first, as for the QR credential.
      const code = DOMAINS[e.domain] ? e.domain : Object.keys(DOMAINS).find((k) => e.domain === `${DOMAINS[k][1]} ${DOMAINS[k][0]}`);
      const domain = DOMAINS[code];
      if (domain) bilingual(cell(row, ""), domain[0], `${domain[1]} (${code})`);
      else cell(row, e.domain);
      const kind = KINDS[e.kind] || Object.values(KINDS).find((k) => k[1] === e.kind);
      if (kind) bilingual(cell(row, ""), kind[0], kind[1]);
      else cell(row, e.kind);
      cell(row, e.credits === null ? "—" : String(e.credits), "num");
      cell(row, e.hours === null ? "—" : String(e.hours), "num");
      cell(row, e.standard);
      const inst = issuer.institutions.get(e.institution);
      if (inst) bilingual(cell(row, ""), inst.zh, inst.en);
      else cell(row, e.institutionName || e.institution);
      cell(row, e.date);
    }
    $("details").hidden = false;
  }

  /** An SD-JWT presentation's audience and nonce: the relying party's to check, so shown. */
  function showPresentation(presentation) {
    for (const id of ["t-audience", "f-audience", "t-nonce", "f-nonce"]) $(id).hidden = !presentation;
    if (!presentation) return;
    $("f-audience").textContent = presentation.audience;
    $("f-nonce").textContent = presentation.nonce;
  }

  // Text that is no creditbank credential at all: a link of another system, Wi-Fi settings…
  // Its code stays the Python verifier's (mostly bad_encoding); people are told what it is.
  const FOREIGN = /^[A-Za-z][A-Za-z0-9+.-]*:/;
  const foreign = (text, code) => code === "bad_encoding" && typeof text === "string" && FOREIGN.test(text.trim());

  /** Put the verdict into the DOM: #verdict[data-result][data-error] for people and machines. */
  function showVerdict(result, error, text, form) {
    const verdict = $("verdict");
    const headline = verdict.querySelector(".headline");
    const reason = verdict.querySelector(".reason");
    const code = verdict.querySelector(".code");
    verdict.dataset.form = (result && result.form) || form || "cbqr";
    if (result) {
      bilingual(headline, "✔ 真实有效", "Authentic and valid");
      const name = window.creditbankFormats.NAMES[result.form];
      if (result.presentation) {
        bilingual(reason, `${name[0]}：颁发机构签名、持有者签名、有效期和状态均已核验。请确认下方的出示对象和随机数是您索取时给出的。`,
          `${name[1]}: the issuer's and the holder's signatures, validity period and status checked. Make sure the audience and nonce below are the ones you asked with.`);
      } else if (name) {
        bilingual(reason, `${name[0]}：签名、有效期和状态均已核验。`, `${name[1]}: signature, validity period and status checked.`);
      } else {
        bilingual(reason, "签名、有效期和状态均已核验。", "Signature, validity period and status checked.");
      }
      code.textContent = "";
      showDetails(result);
    } else if (UNREADABLE.has((error && error.code) || "")) {
      // Nothing was read, so nothing was judged: a blurred photo is not a forgery.
      $("details").hidden = true;
      const [zh, en] = REASONS[error.code];
      bilingual(headline, "⟳ 未能读取，请重试", "Could not read it — please try again");
      bilingual(reason, `${zh}${TRY_AGAIN[0]}`, `${en} ${TRY_AGAIN[1]}`);
      code.textContent = error.code;
    } else {
      $("details").hidden = true;
      const errCode = (error && error.code) || "malformed";
      const hint = errCode === "status_unavailable" && error.hint ? STATUS_HINTS[error.hint] : null;
      let [zh, en] = hint || (foreign(text, errCode) ? REASONS.malformed : REASONS[errCode]) || ["无法验证。", "Cannot be verified."];
      const name = window.creditbankFormats.NAMES[verdict.dataset.form];
      if (name && errCode === "malformed") {
        [zh, en] = [`这份${name[0]}不符合本学分银行的格式（结构错误）。`, `This ${name[1]} does not have the credit bank's structure.`];
      } else if (name) {
        [zh, en] = [`${name[0]}：${zh}`, `${name[1]}: ${en}`];
      }
      bilingual(headline, "✘ 无效", "Not valid");
      bilingual(reason, zh, en);
      code.textContent = `${errCode}${error && error.message && error.message !== errCode ? ": " + error.message : ""}`;
    }
    const errorCode = result ? "" : (error && error.code) || "malformed";
    verdict.dataset.error = errorCode;
    verdict.dataset.hint = (!result && error && error.hint) || "";
    verdict.dataset.result = result ? "valid" : UNREADABLE.has(errorCode) ? "unreadable" : "invalid";
    showBundleAge();
    keepListsLater();
    announce(verdict.dataset.result, errorCode);
    if (window.__verdictMs === undefined) window.__verdictMs = performance.now();
  }

  /** The verifier of a form other than the QR credential, loaded on first use (jwt.js,
   * sdjwt.js; for the Data Integrity form the JSON-LD library and ldp.js). */
  async function verifyForm(form, text) {
    await loadScript("/v1/jwt.js");
    if (form === "ob3-ldp" || form === "clr-ldp") {
      await loadScript("/v1/vendor/jsonld.min.js");
      await loadScript("/v1/ldp.js");
      return window.creditbankLdp.verify(form, text, trustPromise, maxAgeHours);
    }
    if (form !== "sd-jwt") return window.creditbankJwt.verify(form, text, trustPromise, maxAgeHours);
    await loadScript("/v1/sdjwt.js");
    return window.creditbankSdJwt.verify(text, trustPromise, maxAgeHours);
  }

  async function check(text) {
    const form = window.creditbankFormats ? window.creditbankFormats.detect(text) : null;
    if (form && window.creditbankFormats.CHECKED.includes(form)) {
      try {
        showVerdict(await verifyForm(form, text), null, text, form);
      } catch (e) {
        showVerdict(null, e instanceof V.VerificationError ? e : new V.VerificationError("malformed", String(e)), text, form);
      }
      return;
    }
    try {
      showVerdict(await V.verify(text, trustPromise, maxAgeHours), null);
    } catch (e) {
      // Anything unexpected still ends in a stated verdict, never a blank page.
      showVerdict(null, e instanceof V.VerificationError ? e : new V.VerificationError("malformed", String(e)), text);
    }
  }

  function checkFragment() {
    if (location.hash.length > 1) {
      $("verdict").dataset.result = "pending";
      check(VERIFY_PATH_OF(location) + location.hash);
    } else {
      const verdict = $("verdict");
      verdict.dataset.result = "none";
      bilingual(verdict.querySelector(".headline"), "请扫描证书上的二维码", "Scan the QR code on a certificate");
      if (window.__verdictMs === undefined) window.__verdictMs = performance.now();
      keepListsLater();
    }
  }
  // The page is served at /v1; the QR text's URL part only has to end in /v1.
  const VERIFY_PATH_OF = (loc) => loc.pathname;

  // -- photos and screenshots ---------------------------------------------------------

  // Loaded on demand: most visits come from a camera link and need neither the QR decoder
  // (large) nor the other forms' verifiers. The service worker keeps them for offline use.
  const loading = new Map();
  function loadScript(src) {
    if (!loading.has(src)) {
      loading.set(src, new Promise((resolve, reject) => {
        const s = document.createElement("script");
        s.src = src;
        s.onload = () => resolve();
        s.onerror = () => {
          loading.delete(src);
          reject(new Error(`${src} unavailable`));
        };
        document.head.appendChild(s);
      }));
    }
    return loading.get(src);
  }
  const loadJsQR = () => loadScript("/v1/vendor/jsQR.js").then(() => window.jsQR);

  async function readQR(file) {
    let bitmap;
    try {
      bitmap = await createImageBitmap(file);
    } catch (e) {
      throw new V.VerificationError("unreadable_image", "the file is not an image this browser can open");
    }
    if ("BarcodeDetector" in window) {
      try {
        const found = await new window.BarcodeDetector({ formats: ["qr_code"] }).detect(bitmap);
        if (found.length) return found[0].rawValue;
      } catch (e) {
        // Not supported on this platform: fall through to the bundled decoder.
      }
    }
    const jsQR = await loadJsQR();
    // Several sizes, windows and turns of the photo (photo.js), as the CLI tries them.
    const text = await window.creditbankPhoto.decode(bitmap, jsQR);
    if (!text) throw new V.VerificationError("no_qr_found", "no QR code in the image");
    return text;
  }

  $("photo").addEventListener("change", async (event) => {
    const file = event.target.files && event.target.files[0];
    if (!file) return;
    const verdict = $("verdict");
    verdict.dataset.result = "pending";
    try {
      await check(await readQR(file));
    } catch (e) {
      showVerdict(null, e instanceof V.VerificationError ? e : new V.VerificationError("unreadable_image", String(e)));
    }
  });
  $("paste-form").addEventListener("submit", (event) => {
    event.preventDefault();
    $("verdict").dataset.result = "pending";
    check($("paste").value);
  });
  window.addEventListener("hashchange", checkFragment);
  // camera.js checks what the camera reads as a pasted text is checked.
  window.creditbankPage = {
    check: (text) => { $("verdict").dataset.result = "pending"; return check(text); },
    loadJsQR,
  };

  // -- every status list on the device, after the verdict --------------------------------

  let keeping = false;
  /** Once per page, when the browser is idle after the verdict: the service worker fetches
   * the lists of the page bundle that the device does not hold yet (sw.js), so that the
   * next credential checks offline too. Nothing of the credential is sent. */
  function keepListsLater() {
    if (keeping || !("serviceWorker" in navigator)) return;
    keeping = true;
    const idle = window.requestIdleCallback || ((run) => setTimeout(run, 200));
    trustPromise.then((trust) => {
      const lists = V.directoryOf(trust);
      if (!lists.length) return;
      idle(() => {
        navigator.serviceWorker.ready.then((registration) => {
          if (registration.active) registration.active.postMessage({ type: "creditbank-keep-lists", lists });
        });
      });
    }, () => {});
  }

  checkFragment();

  if ("serviceWorker" in navigator) {
    // After the verdict: the worker caches the page (with its trust bundle) for offline use.
    navigator.serviceWorker.register("/v1/sw.js", { scope: "/v1" }).catch(() => {});
    // The worker answered from its copy and found a newer bundle behind it: check again
    // with the new one (once in a short while, so a server that changes on every visit
    // cannot make the page reload without end).
    navigator.serviceWorker.addEventListener("message", (event) => {
      if (event.data && event.data.type === "creditbank-lists-kept") {
        // record.js states how many lists this device holds for offline checks.
        const { kept, total } = event.data;
        document.dispatchEvent(new CustomEvent("cb:lists", { detail: { kept, total } }));
        return;
      }
      if (!event.data || event.data.type !== "creditbank-trust-updated") return;
      const last = Number(sessionStorage.getItem("creditbank-trust-reload") || 0);
      if (Date.now() - last < 10000) return;
      sessionStorage.setItem("creditbank-trust-reload", String(Date.now()));
      location.reload();
    });
  }
})();
