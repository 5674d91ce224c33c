// The progress bar of a creditbank import job: asks the job's status URL once a second
// and writes what it says into the page, until the job is done or failed.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-status-url");
  function show(s) {
    var bar = document.getElementById("job-bar");
    bar.value = s.done; bar.max = s.total || 1;
    if (s.total === 0) { bar.value = 1; }
    ["done", "total", "recorded", "pending_review", "skipped", "bad", "percent"].forEach(function (name) {
      var el = document.getElementById("job-" + name.replace("_", "-"));
      if (el) { el.textContent = String(s[name]); }
    });
    box.setAttribute("data-state", s.state);
    var words = document.getElementById("job-state-" + s.state);
    document.querySelectorAll("[data-job-state]").forEach(function (el) {
      el.hidden = el !== words;
    });
    if (s.state === "done" || s.state === "failed") {
      var report = document.getElementById("job-report");
      if (report) { report.hidden = false; }
      return true;
    }
    return false;
  }
  function poll() {
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
      .then(function (s) { if (!show(s)) { window.setTimeout(poll, 1000); } })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  if (box.getAttribute("data-state") !== "done" && box.getAttribute("data-state") !== "failed") {
    window.setTimeout(poll, 500);
  }
})();
