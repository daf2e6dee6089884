// The grader's keyboard: Enter confirms the score in the field (the suggestion, until changed); digit keys type
// another score (several digits typed quickly make one number, e.g. 1 then 2 is 12); C moves to the comment.
(function () {
  "use strict";
  const form = document.getElementById("mark-form");
  if (!form) return;
  const points = document.getElementById("points");
  const comment = document.getElementById("comment");
  const mode = document.getElementById("mark-mode");
  const max = parseFloat(form.dataset.max);
  const suggested = form.dataset.suggested === "" ? null : parseFloat(form.dataset.suggested);
  const zh = document.documentElement.lang !== "en";
  let typed = "";
  let typedAt = 0;
  let sent = false;

  function showMode() {
    if (!mode) return;
    const v = points.value === "" ? null : parseFloat(points.value);
    if (v === null) mode.textContent = "";
    else if (suggested !== null && v === suggested) mode.textContent = zh ? "确认建议得分" : "Confirm the suggestion";
    else mode.textContent = (zh ? "改为 " : "Change to ") + v;
  }

  function typeDigit(ch) {
    const now = Date.now();
    let next = now - typedAt < 900 ? typed + ch : ch;
    if (next !== "." && parseFloat(next) > max) next = ch;  // a fresh number, not a longer one
    typed = next;
    typedAt = now;
    points.value = next.endsWith(".") ? next.slice(0, -1) : next;
    showMode();
  }

  function submit() {
    if (sent) return;
    if (typeof form.requestSubmit === "function") {
      if (!form.reportValidity()) return;
      sent = true;
      form.requestSubmit();
    } else {
      sent = true;
      form.submit();
    }
  }

  form.addEventListener("submit", function () { sent = true; });
  points.addEventListener("input", showMode);
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return;
    const t = e.target;
    const inField = t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT");
    if (inField) {
      if (e.key === "Escape") t.blur();
      return;  // typing in a field: the browser's own behaviour (Enter submits the form)
    }
    if (e.key === "Enter") {
      e.preventDefault();
      submit();
    } else if (/^[0-9]$/.test(e.key) || (e.key === "." && typed !== "")) {
      e.preventDefault();
      typeDigit(e.key);
    } else if (e.key === "c" || e.key === "C") {
      e.preventDefault();
      comment.focus();
    }
  });
  showMode();
})();
