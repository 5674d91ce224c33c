/* creditbank verify page: what an HR person needs around the verdict.
 *
 * The issuer's name and logo from the signed trust bundle, the address this page must be
 * at (the bank's, from the bundle's issuer Profile), online or offline with the bundle's
 * age in words ("3 天前更新"), a warning once the bundle is past its next update, and a
 * printable verification record with the time of the check (verify.css @media print).
 * page.js tells this file about the trust data ("cb:trust") and each verdict ("cb:verdict").
 */
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  let trust = null;
  let lists = null; // {kept, total}: status lists held on this device (sw.js)

  function bilingual(el, zh, en) {
    el.textContent = zh + " ";
    const span = document.createElement("span");
    span.lang = "en";
    span.textContent = en;
    el.appendChild(span);
    return el;
  }

  /** How long ago, in words: [Chinese, English]. */
  function ago(seconds) {
    const s = Math.max(0, seconds);
    const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"} ago`;
    if (s < 60) return ["刚刚", "just now"];
    if (s < 3600) return [`${Math.floor(s / 60)} 分钟前`, plural(Math.floor(s / 60), "minute")];
    if (s < 86400) return [`${Math.floor(s / 3600)} 小时前`, plural(Math.floor(s / 3600), "hour")];
    return [`${Math.floor(s / 86400)} 天前`, plural(Math.floor(s / 86400), "day")];
  }

  const stamp = (seconds) => new Date(seconds * 1000).toISOString().slice(0, 19).replace("T", " ") + " UTC";

  function bar() {
    let el = $("trust-status");
    if (!el) {
      el = document.createElement("section");
      el.id = "trust-status";
      el.setAttribute("aria-live", "polite");
      document.querySelector("header").appendChild(el);
    }
    return el;
  }

  function issuerOf(t) {
    const first = t && t.issuers && t.issuers.values().next().value;
    return first || null;
  }

  /** The issuer's name, logo and address; online or offline; the bundle's age. */
  function showStatus() {
    const el = bar();
    el.replaceChildren();
    const online = navigator.onLine;
    el.dataset.online = online ? "online" : "offline";
    const net = bilingual(document.createElement("p"), online ? "● 在线" : "○ 离线", online ? "online" : "offline");
    net.className = "net";
    el.appendChild(net);
    if (!trust) return;
    const issuer = issuerOf(trust);
    if (issuer) {
      const who = document.createElement("p");
      who.className = "issuer";
      const profile = issuer.profile || {};
      const image = profile.image && typeof profile.image.id === "string" ? profile.image.id : null;
      if (image && new URL(image, location.href).origin === location.origin) {
        // The page's own copy of that logo (GET /v1/logo.png), kept by the service worker.
        const logo = document.createElement("img");
        logo.src = "/v1/logo.png";
        logo.alt = "";
        logo.width = 32;
        logo.height = 32;
        logo.onerror = () => logo.remove(); // offline: the name alone
        who.appendChild(logo);
      }
      who.appendChild(bilingual(document.createElement("span"), issuer.zh, issuer.en));
      el.appendChild(who);
      if (typeof profile.url === "string") {
        const bank = new URL(profile.url, location.href);
        const here = document.createElement("p");
        here.className = "address";
        const where = `${bank.host}${location.pathname}`;
        bilingual(here, `请确认浏览器地址栏显示的是 ${where}。`, `Check that this page is at ${where}.`);
        if (bank.origin !== location.origin) {
          here.classList.add("warn");
          bilingual(here, `⚠ 本页地址不是学分银行的地址 ${bank.host}，请勿相信本页结果。`,
            `This page is not at the credit bank's address ${bank.host}; do not trust its result.`);
        }
        here.dataset.bankOrigin = bank.origin;
        el.appendChild(here);
      }
    }
    const age = Date.now() / 1000 - trust.generatedAt;
    const [zh, en] = ago(age);
    const updated = bilingual(document.createElement("p"), `信任数据：${zh}更新`, `trust data updated ${en}`);
    updated.className = "age";
    el.appendChild(updated);
    if (lists && lists.total) {
      const held = bilingual(document.createElement("p"),
        `离线可用的状态列表：${lists.kept} / ${lists.total}`,
        `status lists on this device: ${lists.kept} of ${lists.total}`);
      held.className = "lists";
      el.dataset.listsKept = String(lists.kept);
      el.dataset.listsTotal = String(lists.total);
      el.appendChild(held);
    }
    const stale = Date.now() / 1000 > trust.nextUpdate;
    el.dataset.stale = stale ? "stale" : "fresh";
    if (stale) {
      const warn = bilingual(document.createElement("p"),
        `⚠ 信任数据已过预定更新时间（${stamp(trust.nextUpdate)}），撤销等最新变化可能未包含在内；请联网后刷新本页。`,
        `The trust data is past its scheduled update (${stamp(trust.nextUpdate)}); recent revocations may be missing. Go online and reload this page.`);
      warn.className = "warn stale";
      el.appendChild(warn);
    }
  }

  /** The record to print: the verdict above it, then when, where and with what it was checked. */
  function showRecord(detail) {
    let record = $("record");
    if (!record) {
      record = document.createElement("section");
      record.id = "record";
      $("details").after(record);
    }
    record.replaceChildren();
    const now = Math.floor(Date.now() / 1000);
    const rows = [
      ["核验时间", "Checked at", stamp(now)],
      ["核验页面", "Checked on", location.origin + location.pathname],
      ["信任数据", "Trust data", trust ? stamp(trust.generatedAt) : "—"],
      ["结果代码", "Result code", detail.result + (detail.error ? ` (${detail.error})` : "")],
    ];
    const list = document.createElement("dl");
    for (const [zh, en, value] of rows) {
      list.appendChild(bilingual(document.createElement("dt"), zh, en));
      const dd = document.createElement("dd");
      dd.textContent = value;
      list.appendChild(dd);
    }
    record.dataset.checkedAt = String(now);
    record.appendChild(list);
    const print = bilingual(document.createElement("button"), "打印核验记录", "Print verification record");
    print.type = "button";
    print.id = "print-record";
    print.addEventListener("click", () => window.print());
    record.appendChild(print);
  }

  document.addEventListener("cb:trust", (event) => {
    trust = event.detail;
    showStatus();
  });
  document.addEventListener("cb:verdict", (event) => {
    showStatus();
    if (["valid", "invalid"].includes(event.detail.result)) showRecord(event.detail);
    else if ($("record")) $("record").remove();
  });
  document.addEventListener("cb:lists", (event) => {
    lists = event.detail;
    showStatus();
  });
  window.addEventListener("online", showStatus);
  window.addEventListener("offline", showStatus);
  document.addEventListener("DOMContentLoaded", showStatus);
  window.creditbankRecord = { ago };
})();
