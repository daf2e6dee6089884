// The candidate's exam page (vanilla, no build step).
//
// The server's clock rules: the countdown is a display of the stored deadline, corrected by the offset between
// this computer's clock and the server's measured when the page loads.
// Nothing typed is lost: every change is first written to localStorage as a pending save (with its per-question
// sequence number), then sent; saves go strictly in order, one at a time, and are retried until the server
// acknowledges them or refuses them for good (time is up, or another browser took the exam over).
(function () {
  'use strict';
  const root = document.getElementById('exam');
  if (!root) return;

  const SID = root.dataset.session;
  const KEY = root.dataset.key;
  const LANG = root.dataset.lang;
  const TZ = root.dataset.tz || 'Asia/Shanghai';
  const T = JSON.parse(document.getElementById('exam-text').textContent);
  const API = '/api/v1/sessions/' + SID;
  const STORE = 'examengine:exam:' + SID;
  const MODE_KEY = 'examengine:exam-mode';
  const EVENT_FLUSH_MS = 5000;
  const HEARTBEAT_MS = 30000;
  const REQUEST_TIMEOUT_MS = 15000;
  const TEXT_DEBOUNCE_MS = 800;
  const MAX_BACKOFF_MS = 8000;

  const $ = (id) => document.getElementById(id);
  const fmt = (s, vars) => String(s).replace(/\{(\w+)\}/g, (m, k) => (k in vars ? vars[k] : m));
  const el = (tag, attrs, text) => {
    const e = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => { if (v !== undefined && v !== null) e.setAttribute(k, v); });
    if (text !== undefined) e.textContent = text;
    return e;
  };
  // ISO times from the server carry microseconds; keep milliseconds so every engine parses them.
  const parseTime = (s) => Date.parse(String(s).replace(/(\.\d{3})\d+/, '$1'));

  // ---- what this browser keeps: pending saves, sequence numbers, unsent events --------------------------------
  function loadLocal() {
    try { return JSON.parse(localStorage.getItem(STORE)) || {}; } catch (e) { return {}; }
  }
  const local = Object.assign({ seqs: {}, pending: [], events: [], current: null, dismissed: {}, rejected: [] },
    loadLocal());
  const eventsAtLoad = local.events.length;
  function persist() {
    if (halted === 'tab') return;  // the newer tab owns this browser's store now
    try { localStorage.setItem(STORE, JSON.stringify(local)); } catch (e) { /* full or blocked: keep in memory */ }
  }

  // ---- page state -----------------------------------------------------------------------------------------------
  let items = [];            // in position order: {position, type, stem, points, options, section}
  let sections = [];
  const byPos = {};
  const answers = {};        // position -> {response, flagged}
  let offset = 0;            // server clock minus this computer's clock, ms
  let deadline = 0;          // ms, on the server's clock
  let graceMs = 30000;
  let mode = localStorage.getItem(MODE_KEY) === 'all' ? 'all' : 'one';
  let current = 1;
  let halted = null;         // null | 'taken' | 'closed' | 'key' | 'finished': no more saves
  let timeUp = false;
  let offline = !navigator.onLine;
  let trouble = false;       // the server answered with an error worth retrying
  let inflight = false;
  let retryTimer = null;
  let backoff = 1000;
  let tickTimer = null;
  const textTimers = {};

  function now() { return Date.now() + offset; }

  // ---- talking to the server --------------------------------------------------------------------------------------
  async function call(method, path, body, keepalive) {
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), REQUEST_TIMEOUT_MS);
    try {
      const sentAt = Date.now();
      const resp = await fetch(API + path, {
        method, keepalive: !!keepalive, cache: 'no-store', credentials: 'same-origin', signal: ctrl.signal,
        headers: { 'X-Exam-Key': KEY, 'Content-Type': 'application/json', Accept: 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const receivedAt = Date.now();
      let data = {};
      try { data = await resp.json(); } catch (e) { data = {}; }
      return { ok: resp.ok, status: resp.status, code: data.code, data, sentAt, receivedAt };
    } finally {
      clearTimeout(timer);
    }
  }

  // A refusal that no retry can change: stop sending (and never loop).
  function refusedForGood(r) {
    if (r.status === 409 && r.code === 'SESSION_TAKEN_OVER') { takenOver(); return true; }
    if (r.status === 409 && r.code === 'SESSION_CLOSED') { closedByServer(); return true; }
    if (r.status === 403 && r.code === 'SESSION_KEY_INVALID') { readOnly('key', T.key_invalid); return true; }
    if (r.status === 404 && r.code === 'SESSION_NOT_FOUND') { readOnly('key', T.key_invalid); return true; }
    return false;
  }

  // ---- the save queue ---------------------------------------------------------------------------------------------
  function enqueue(position, response, flagged) {
    const seq = (local.seqs[position] || 0) + 1;
    local.seqs[position] = seq;
    const entry = { position, response, flagged, seq, client_at: new Date().toISOString() };
    const last = local.pending[local.pending.length - 1];
    const lastInFlight = inflight && local.pending.length === 1;
    // A burst of changes to one question: the newest replaces the one still waiting behind it.
    if (last && last.position === position && !lastInFlight) local.pending[local.pending.length - 1] = entry;
    else local.pending.push(entry);
    persist();
  }

  async function pump() {
    if (inflight || halted || !local.pending.length) { showStatus(); return; }
    if (retryTimer) { clearTimeout(retryTimer); retryTimer = null; }
    inflight = true;
    showStatus();
    const item = local.pending[0];
    let r;
    try {
      r = await call('PUT', '/answers/' + item.position,
        { response: item.response, seq: item.seq, flagged: item.flagged, client_at: item.client_at });
    } catch (e) {
      inflight = false;
      wentOffline();
      retryLater();
      return;
    }
    inflight = false;
    if (r.ok) {
      if (local.pending[0] === item) local.pending.shift();
      persist();
      backoff = 1000;
      trouble = false;
      if (offline) cameOnline();
      pump();
      return;
    }
    if (refusedForGood(r)) return;
    if (r.status === 422) {
      // This save can never succeed (a bug, not the network): keep it aside, go on with the rest.
      if (local.pending[0] === item) local.rejected.push(Object.assign({ code: r.code }, local.pending.shift()));
      persist();
      pump();
      return;
    }
    trouble = true;  // 5xx, 429...: keep it and try again
    retryLater();
  }

  function retryLater() {
    showStatus();
    if (retryTimer || halted) return;
    retryTimer = setTimeout(() => { retryTimer = null; pump(); }, backoff);
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
  }

  function drained(timeoutMs) {
    return new Promise((resolve) => {
      const until = Date.now() + timeoutMs;
      (function check() {
        if (!local.pending.length || halted) return resolve(!local.pending.length);
        if (Date.now() > until) return resolve(false);
        setTimeout(check, 100);
      })();
    });
  }

  function wentOffline() { offline = true; showStatus(); }
  function cameOnline() { offline = false; showStatus(); }

  // ---- proctor events ---------------------------------------------------------------------------------------------
  let eventsInFlight = false;
  function record(kind, detail) {
    if (halted && halted !== 'closed') return;
    const e = { kind, at: new Date().toISOString() };
    if (detail) e.detail = detail;
    local.events.push(e);
    if (local.events.length > 2000) local.events.splice(0, local.events.length - 2000);
    persist();
  }

  async function flushEvents(keepalive) {
    if (eventsInFlight || halted === 'taken' || halted === 'key' || halted === 'tab' || !local.events.length) return;
    eventsInFlight = true;
    try {
      while (local.events.length) {
        const batch = local.events.slice(0, 50);
        const r = await call('POST', '/events', { events: batch }, keepalive);
        if (!r.ok) {
          if (r.status === 422) local.events.splice(0, batch.length);  // malformed: drop, never loop
          else refusedForGood(r);
          break;
        }
        local.events.splice(0, batch.length);
        persist();
      }
    } catch (e) {
      /* offline: they stay in localStorage for the next try */
    } finally {
      eventsInFlight = false;
      persist();
    }
  }

  // An empty events call checks that this browser still holds the exam (a takeover turns it read-only).
  async function heartbeat() {
    if (halted) return;
    if (local.events.length) return flushEvents(false);
    try {
      const r = await call('POST', '/events', { events: [] });
      if (!r.ok) refusedForGood(r);
      else if (offline && !local.pending.length) cameOnline();
    } catch (e) { /* the save queue reports the network */ }
  }

  // ---- status, read-only, the end --------------------------------------------------------------------------------
  function showStatus() {
    const box = $('save-status');
    let text = ''; let cls = '';
    if (halted === 'taken') { text = T.taken_over; cls = 'danger'; }
    else if (halted === 'tab') { text = T.other_tab; cls = 'danger'; }
    else if (halted === 'key') { text = T.key_invalid; cls = 'danger'; }
    else if (halted === 'closed' || halted === 'finished') { text = T.ended; cls = 'ended'; }
    else if (timeUp) { text = T.time_up; cls = 'ended'; }
    else if (offline) { text = T.offline; cls = 'offline'; }
    else if (trouble && local.pending.length) { text = T.retrying; cls = 'offline'; }
    else if (local.pending.length || Object.keys(textTimers).length) { text = T.saving; cls = 'saving'; }
    else { text = T.saved; cls = 'saved'; }
    box.textContent = text;
    box.className = 'save-status ' + cls;
    box.dataset.state = cls;
  }

  function disableInputs() {
    root.querySelectorAll('#questions input, #questions textarea, #questions button, #submit-open, #submit-confirm')
      .forEach((x) => { x.disabled = true; });
    $('questions').classList.add('read-only');
  }

  function halt(reason) {
    if (halted === 'finished') return;
    halted = reason;
    if (retryTimer) { clearTimeout(retryTimer); retryTimer = null; }
    disableInputs();
    showStatus();
  }

  // This page may no longer save: say why, and offer to continue here (the exam page offers the takeover).
  function readOnly(reason, message) {
    halt(reason);
    $('readonly-text').textContent = message;
    $('continue-here').hidden = false;
    $('readonly-banner').hidden = false;
    const dlg = $('submit-dialog');
    if (dlg.open) dlg.close();
  }

  function takenOver() { readOnly('taken', T.taken_over_banner); }

  // Two tabs of one exam in one browser would share (and overwrite) the local store: the newest tab wins, the
  // older one turns read-only, like a takeover by another browser. The newer tab read the store when it opened,
  // so whatever the older one had not sent yet is replayed from there.
  const tabId = Math.random().toString(36).slice(2);
  let channel = null;
  function otherTab() {
    if (halted === 'finished' || halted === 'tab') return;
    commitTextDrafts();
    persist();
    readOnly('tab', T.other_tab_banner);
  }
  function announceTab() {
    if (typeof BroadcastChannel !== 'function') return;
    channel = new BroadcastChannel('examengine-exam-' + SID);
    channel.onmessage = (e) => { if (e.data && e.data.hello && e.data.tab !== tabId) otherTab(); };
    channel.postMessage({ hello: true, tab: tabId });
  }

  async function closedByServer() {
    halt('closed');
    // The server has submitted the exam (time is up, or another page submitted it): show when.
    try {
      const r = await call('GET', '/state?lang=' + LANG);
      if (r.ok && r.data.status === 'submitted') return finished(r.data.submitted_at, r.data.submit_reason);
      if (r.status === 409 && r.code === 'SESSION_TAKEN_OVER') return takenOver();
    } catch (e) { /* offline */ }
    finished(null, 'deadline');
  }

  function formatTime(iso) {
    if (!iso) return '';
    try {
      return new Intl.DateTimeFormat(LANG === 'en' ? 'en-GB' : 'zh-CN', {
        timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
        second: '2-digit', hour12: false,
      }).format(new Date(parseTime(iso)));
    } catch (e) { return iso; }
  }

  function finished(submittedAt, reason) {
    // A submission at or after the deadline is time's up, whoever sent it (this page sends it at zero).
    if (reason !== 'staff' && submittedAt && deadline && parseTime(submittedAt) >= deadline) reason = 'deadline';
    halted = 'finished';
    if (tickTimer) clearInterval(tickTimer);
    if (retryTimer) clearTimeout(retryTimer);
    disableInputs();
    const dlg = $('submit-dialog');
    if (dlg.open) dlg.close();
    $('exam-body').hidden = true;
    $('exam-bar').classList.add('done');
    $('time-warning').hidden = true;
    $('finished-reason').textContent = reason === 'deadline' ? T.reason_deadline
      : reason === 'staff' ? T.reason_staff : T.reason_candidate;
    $('finished-at').textContent = submittedAt ? fmt(T.submitted_at, { t: formatTime(submittedAt) }) : '';
    $('finished').hidden = false;
    $('finished').focus();
    showStatus();
    flushEvents(false);
  }

  async function submitExam(byDeadline) {
    const error = $('submit-error');
    error.hidden = true;
    commitTextDrafts();
    pump();
    const saved = await drained(byDeadline ? Math.max(graceMs - 3000, 2000) : offline ? 3000 : 10000);
    if (halted) return;
    if (!saved && !byDeadline) {
      error.textContent = T.submit_unsaved;
      error.hidden = false;
      return;
    }
    for (let attempt = 0; ; attempt++) {
      try {
        const r = await call('POST', '/submit');
        if (r.ok) return finished(r.data.submitted_at, byDeadline ? 'deadline' : r.data.reason);
        if (refusedForGood(r)) return;
      } catch (e) {
        wentOffline();
      }
      if (!byDeadline) {
        error.textContent = T.submit_failed;
        error.hidden = false;
        return;
      }
      // Time is up: keep trying within the grace; the server submits at the deadline by itself anyway.
      if (now() > deadline + graceMs + 5000) return finished(null, 'deadline');
      await new Promise((res) => setTimeout(res, Math.min(1000 * (attempt + 1), 4000)));
    }
  }

  // ---- the countdown --------------------------------------------------------------------------------------------
  function clock(ms) {
    const s = Math.max(0, Math.ceil(ms / 1000));
    const h = Math.floor(s / 3600); const m = Math.floor((s % 3600) / 60); const sec = s % 60;
    const two = (n) => String(n).padStart(2, '0');
    return (h ? h + ':' + two(m) : two(m)) + ':' + two(sec);
  }

  function warn(which) {
    if (local.dismissed[which]) return;
    const box = $('time-warning');
    if (box.dataset.which === which && !box.hidden) return;
    box.dataset.which = which;
    $('time-warning-text').textContent = which === '1' ? T.warn_1 : T.warn_10;
    box.hidden = false;
  }

  function tick() {
    const left = deadline - now();
    const timer = $('timer');
    timer.textContent = clock(left);
    timer.dataset.remaining = String(Math.max(0, Math.round(left / 1000)));
    timer.classList.toggle('low', left <= 600000);
    timer.classList.toggle('critical', left <= 60000);
    if (halted) return;
    if (left <= 60000 && left > 0) warn('1');
    else if (left <= 600000 && left > 0) warn('10');
    if (left <= 0 && !timeUp) {
      commitTextDrafts();  // what was typed in the last moment is queued before the inputs close
      timeUp = true;
      disableInputs();
      $('time-warning').hidden = true;
      showStatus();
      submitExam(true);
    }
  }

  // ---- answers: reading and writing the inputs -------------------------------------------------------------------
  function isAnswered(a) {
    if (!a || a.response === null || a.response === undefined) return false;
    if (Array.isArray(a.response)) return a.response.length > 0;
    if (typeof a.response === 'string') return a.response.trim() !== '';
    return true;
  }

  function readResponse(item) {
    const art = $('q-' + item.position);
    if (item.type === 'short') return art.querySelector('textarea').value;
    const checked = Array.from(art.querySelectorAll('input.choice:checked')).map((x) => x.value);
    if (item.type === 'truefalse') return checked.length ? checked[0] === 'T' : null;
    if (item.type === 'single') return checked.length ? checked[0] : null;
    return checked.length ? checked.sort() : null;
  }

  function writeResponse(item, response) {
    const art = $('q-' + item.position);
    if (item.type === 'short') {
      art.querySelector('textarea').value = typeof response === 'string' ? response : '';
      countChars(item);
      return;
    }
    let chosen = [];
    if (item.type === 'truefalse') chosen = response === true ? ['T'] : response === false ? ['F'] : [];
    else if (Array.isArray(response)) chosen = response;
    else if (typeof response === 'string') chosen = [response];
    art.querySelectorAll('input.choice').forEach((x) => { x.checked = chosen.includes(x.value); });
  }

  function countChars(item) {
    const art = $('q-' + item.position);
    art.querySelector('.char-count').textContent = fmt(T.chars, { n: art.querySelector('textarea').value.length });
  }

  function changed(item) {
    if (halted || timeUp) return;
    const pos = item.position;
    const a = answers[pos] || { response: null, flagged: false };
    a.response = readResponse(item);
    answers[pos] = a;
    enqueue(pos, a.response, !!a.flagged);
    updateNav(pos);
    pump();
  }

  function flagChanged(item, flagged) {
    if (halted || timeUp) return;
    const pos = item.position;
    if (textTimers[pos]) { clearTimeout(textTimers[pos]); delete textTimers[pos]; }
    const a = answers[pos] || { response: null, flagged: false };
    a.flagged = flagged;
    if (item.type === 'short') a.response = readResponse(item);
    answers[pos] = a;
    enqueue(pos, a.response, flagged);
    updateNav(pos);
    pump();
  }

  function commitTextDrafts() {
    Object.keys(textTimers).forEach((pos) => {
      clearTimeout(textTimers[pos]);
      delete textTimers[pos];
      changed(byPos[pos]);
    });
  }

  // ---- rendering ---------------------------------------------------------------------------------------------
  function renderQuestion(item) {
    const pos = item.position;
    const art = el('article', { class: 'question card', id: 'q-' + pos, 'data-position': pos,
      'data-type': item.type, 'aria-labelledby': 'q-' + pos + '-title' });
    const head = el('div', { class: 'q-head' });
    const title = el('h3', { id: 'q-' + pos + '-title' }, fmt(T.question_n, { n: pos }));
    title.append(' ', el('span', { class: 'q-meta muted' },
      (T.types[item.type] || item.type) + ' · ' + fmt(T.points, { n: item.points })));
    const flagLabel = el('label', { class: 'flag' });
    const flagBox = el('input', { type: 'checkbox', class: 'flag-box', 'aria-describedby': 'q-' + pos + '-title' });
    flagBox.addEventListener('change', () => flagChanged(item, flagBox.checked));
    flagLabel.append(flagBox, ' ', T.flag);
    head.append(title, flagLabel);
    const stem = el('p', { class: 'stem', id: 'q-' + pos + '-stem' }, item.stem);
    art.append(head, stem);

    if (item.type === 'short') {
      const ta = el('textarea', { rows: '7', maxlength: '20000', class: 'answer-text',
        'aria-label': fmt(T.answer_of, { n: pos }), 'aria-describedby': 'q-' + pos + '-stem' });
      ta.addEventListener('input', () => {
        countChars(item);
        const a = answers[pos] || { response: null, flagged: false };
        a.response = ta.value;
        answers[pos] = a;
        updateNav(pos);
        clearTimeout(textTimers[pos]);
        textTimers[pos] = setTimeout(() => { delete textTimers[pos]; changed(item); }, TEXT_DEBOUNCE_MS);
        showStatus();
      });
      ta.addEventListener('blur', () => {
        if (textTimers[pos]) { clearTimeout(textTimers[pos]); delete textTimers[pos]; changed(item); }
      });
      art.append(ta, el('div', { class: 'char-count muted' }));
    } else {
      const group = el('div', { class: 'options', role: item.type === 'multi' ? 'group' : 'radiogroup',
        'aria-label': fmt(T.options_of, { n: pos }) });
      item.options.forEach((o) => {
        const id = 'q-' + pos + '-' + o.label;
        const label = el('label', { class: 'option', for: id });
        const input = el('input', { type: item.type === 'multi' ? 'checkbox' : 'radio', name: 'q-' + pos,
          value: o.label, id, class: 'choice' });
        input.addEventListener('change', () => changed(item));
        const letter = item.type === 'truefalse' ? '' : o.label + '.';
        label.append(input, el('span', { class: 'letter' }, letter), el('span', { class: 'option-text' }, o.text));
        group.append(label);
      });
      art.append(group);
      if (item.type !== 'multi') {
        const clear = el('button', { type: 'button', class: 'link clear-choice' }, T.clear);
        clear.addEventListener('click', () => {
          art.querySelectorAll('input.choice').forEach((x) => { x.checked = false; });
          changed(item);
        });
        art.append(clear);
      }
    }
    return art;
  }

  function render(state) {
    const paper = state.paper;
    $('paper-meta').textContent = [paper.program, paper.level, paper.work_type].filter(Boolean).join(' · ');
    const box = $('questions');
    box.textContent = '';
    sections = paper.sections;
    items = [];
    sections.forEach((s, si) => {
      const head = el('header', { class: 'section-head', 'data-section': si });
      head.append(el('h2', {}, s.title));
      const rule = [fmt(T.points, { n: s.points_each }), s.rule_text].filter(Boolean).join(T.sep);
      head.append(el('p', { class: 'muted' }, rule));
      if (s.instructions) head.append(el('p', { class: 'instructions' }, s.instructions));
      box.append(head);
      s.items.forEach((it) => {
        const item = Object.assign({}, it, { section: si, options: it.options || [] });
        items.push(item);
        byPos[item.position] = item;
        box.append(renderQuestion(item));
      });
    });
    items.sort((a, b) => a.position - b.position);
    const grid = $('nav-grid');
    grid.textContent = '';
    items.forEach((item) => {
      const b = el('button', { type: 'button', class: 'nav-item', id: 'nav-' + item.position,
        'data-position': item.position }, String(item.position));
      b.addEventListener('click', () => go(item.position, true));
      grid.append(b);
    });
    items.forEach((item) => {
      const a = answers[item.position];
      if (a) {
        writeResponse(item, a.response);
        $('q-' + item.position).querySelector('.flag-box').checked = !!a.flagged;
      } else if (item.type === 'short') countChars(item);
      updateNav(item.position);
    });
  }

  function updateNav(pos) {
    const a = answers[pos];
    const b = $('nav-' + pos);
    if (!b) return;
    const done = isAnswered(a); const flagged = !!(a && a.flagged);
    b.classList.toggle('answered', done);
    b.classList.toggle('flagged', flagged);
    b.setAttribute('aria-label', fmt(T.question_n, { n: pos }) + T.sep + (done ? T.answered : T.not_answered)
      + (flagged ? T.sep + T.flagged : ''));
    $('q-' + pos).classList.toggle('is-flagged', flagged);
    const n = items.filter((it) => isAnswered(answers[it.position])).length;
    $('progress').textContent = fmt(T.answered_of, { a: n, n: items.length });
  }

  function applyMode() {
    root.classList.toggle('mode-one', mode === 'one');
    root.classList.toggle('mode-all', mode === 'all');
    const toggle = $('mode-toggle');
    toggle.textContent = mode === 'one' ? T.mode_all : T.mode_one;
    toggle.setAttribute('aria-pressed', mode === 'all' ? 'true' : 'false');
    const cur = byPos[current];
    document.querySelectorAll('#questions .question').forEach((q) => {
      q.hidden = mode === 'one' && Number(q.dataset.position) !== current;
    });
    document.querySelectorAll('#questions .section-head').forEach((h) => {
      h.hidden = mode === 'one' && (!cur || Number(h.dataset.section) !== cur.section);
    });
    $('pager').hidden = mode !== 'one';
    const idx = items.findIndex((it) => it.position === current);
    $('prev').disabled = idx <= 0;
    $('next').disabled = idx >= items.length - 1;
    $('pager-position').textContent = (idx + 1) + ' / ' + items.length;
    document.querySelectorAll('#nav-grid .nav-item').forEach((b) => {
      if (Number(b.dataset.position) === current) b.setAttribute('aria-current', 'true');
      else b.removeAttribute('aria-current');
    });
  }

  function go(pos, focus) {
    if (!byPos[pos]) return;
    current = pos;
    local.current = pos;
    persist();
    applyMode();
    const art = $('q-' + pos);
    if (mode === 'all') art.scrollIntoView({ block: 'start', behavior: 'auto' });
    if (focus) {
      art.setAttribute('tabindex', '-1');
      art.focus({ preventScroll: mode === 'all' });
    }
  }

  function step(delta) {
    const idx = items.findIndex((it) => it.position === current);
    const next = items[idx + delta];
    if (next) go(next.position, true);
  }

  // ---- the submit dialog -----------------------------------------------------------------------------------------
  function numbers(list) { return list.length ? list.join(T.list_sep) : T.none; }

  function openSubmit() {
    if (halted || timeUp) return;
    commitTextDrafts();
    const unanswered = items.filter((it) => !isAnswered(answers[it.position])).map((it) => it.position);
    const flagged = items.filter((it) => answers[it.position] && answers[it.position].flagged).map((it) => it.position);
    $('submit-summary').textContent = fmt(T.answered_of, { a: items.length - unanswered.length, n: items.length });
    $('submit-unanswered').textContent = numbers(unanswered);
    $('submit-unanswered').dataset.positions = unanswered.join(',');
    $('submit-flagged').textContent = numbers(flagged);
    $('submit-flagged').dataset.positions = flagged.join(',');
    $('submit-error').hidden = true;
    $('submit-confirm').disabled = false;
    const dlg = $('submit-dialog');
    if (typeof dlg.showModal === 'function') dlg.showModal(); else dlg.setAttribute('open', '');
    $('submit-cancel').focus();
  }

  // ---- start -----------------------------------------------------------------------------------------------------
  let loading = false; let loaded = false;
  async function start() {
    if (loading || loaded || halted) return;
    loading = true;
    $('load-error').hidden = true;
    let r;
    try {
      r = await call('GET', '/state?lang=' + LANG);
    } catch (e) {
      r = null;
    }
    loading = false;
    if (!r || !r.ok) {
      if (r && refusedForGood(r)) return;
      showLoadError();
      return;
    }
    loaded = true;
    const state = r.data;
    // The server read its clock about halfway between sending the request and receiving the reply.
    offset = parseTime(state.server_now) - (r.sentAt + r.receivedAt) / 2;
    deadline = parseTime(state.deadline);
    graceMs = (state.grace_seconds || 30) * 1000;
    if (state.status !== 'open') return finished(state.submitted_at, state.submit_reason);

    // Read the store again: an older tab of this exam may have put its last changes there since this one opened.
    const fresh = loadLocal();
    if (Array.isArray(fresh.pending)) local.pending = fresh.pending;
    if (Array.isArray(fresh.events)) local.events = fresh.events.concat(local.events.slice(eventsAtLoad));
    Object.entries(fresh.seqs || {}).forEach(([pos, n]) => { local.seqs[pos] = Math.max(local.seqs[pos] || 0, n); });

    // Saved answers, then what this browser holds that the server has not acknowledged yet (locally newer).
    Object.entries(state.answers || {}).forEach(([pos, a]) => {
      answers[pos] = { response: a.response, flagged: !!a.flagged };
      local.seqs[pos] = Math.max(local.seqs[pos] || 0, a.seq || 0);
    });
    local.pending = local.pending.filter((p) => {
      const saved = state.answers && state.answers[p.position];
      return !saved || p.seq > saved.seq;
    });
    local.pending.forEach((p) => {
      answers[p.position] = { response: p.response, flagged: !!p.flagged };
      local.seqs[p.position] = Math.max(local.seqs[p.position] || 0, p.seq);
    });
    persist();

    render(state);
    // On a phone a long answer sheet starts folded, so the question comes first.
    if (items.length > 20 && window.matchMedia('(max-width: 760px)').matches) $('navigator-details').open = false;
    const remembered = Number(local.current);
    current = byPos[remembered] ? remembered : (items[0] ? items[0].position : 1);
    applyMode();
    if (mode === 'all' && current !== items[0].position) $('q-' + current).scrollIntoView({ block: 'start' });
    showStatus();
    pump();  // pending saves from before the reload go first
    tick();
    tickTimer = setInterval(tick, 250);
    setInterval(() => flushEvents(false), EVENT_FLUSH_MS);
    setInterval(heartbeat, HEARTBEAT_MS);
    flushEvents(false);
  }

  function showLoadError() {
    $('loading').hidden = true;
    $('load-error-text').textContent = T.load_failed;
    $('load-error').hidden = false;
  }

  // ---- wiring ----------------------------------------------------------------------------------------------------
  $('load-retry').addEventListener('click', start);
  $('mode-toggle').addEventListener('click', () => {
    mode = mode === 'one' ? 'all' : 'one';
    try { localStorage.setItem(MODE_KEY, mode); } catch (e) { /* ignore */ }
    applyMode();
    if (mode === 'all') $('q-' + current).scrollIntoView({ block: 'start' });
  });
  $('prev').addEventListener('click', () => step(-1));
  $('next').addEventListener('click', () => step(1));
  $('submit-open').addEventListener('click', openSubmit);
  $('submit-cancel').addEventListener('click', () => $('submit-dialog').close());
  $('submit-confirm').addEventListener('click', async () => {
    $('submit-confirm').disabled = true;
    await submitExam(false);
    if (halted !== 'finished') $('submit-confirm').disabled = !!halted;
  });
  $('time-warning-close').addEventListener('click', () => {
    const which = $('time-warning').dataset.which;
    local.dismissed[which] = true;
    persist();
    $('time-warning').hidden = true;
  });
  $('fullscreen-toggle').addEventListener('click', () => {
    if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
    else if (document.documentElement.requestFullscreen) document.documentElement.requestFullscreen().catch(() => {});
  });

  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || halted === 'finished') return;
    if ($('submit-dialog').open) return;
    const t = e.target;
    const typing = t && (t.tagName === 'TEXTAREA' || t.isContentEditable ||
      (t.tagName === 'INPUT' && !['radio', 'checkbox', 'button'].includes(t.type)) || t.tagName === 'SELECT');
    if (typing) return;
    const onChoice = t && t.tagName === 'INPUT';  // arrow keys keep their own meaning in a radio group
    const k = e.key;
    if ((k === 'ArrowLeft' && !onChoice) || k === 'k' || k === 'K') { e.preventDefault(); step(-1); return; }
    if ((k === 'ArrowRight' && !onChoice) || k === 'j' || k === 'J') { e.preventDefault(); step(1); return; }
    if (mode !== 'one' || halted || timeUp) return;
    const item = byPos[current];
    if (!item || item.type === 'short') return;
    let idx = -1;
    if (/^[1-9]$/.test(k)) idx = Number(k) - 1;
    else if (/^[a-fA-F]$/.test(k)) idx = k.toUpperCase().charCodeAt(0) - 65;
    if (idx < 0 || idx >= item.options.length) return;
    e.preventDefault();
    const input = $('q-' + current).querySelectorAll('input.choice')[idx];
    if (item.type === 'multi') input.checked = !input.checked; else input.checked = true;
    changed(item);
  });

  // Proctor events: what the page saw, sent in batches with the browser key.
  window.addEventListener('blur', () => record('focus_lost'));
  window.addEventListener('focus', () => { record('focus_regained'); flushEvents(false); });
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') {
      record('hidden');
      commitTextDrafts();
      flushEvents(true);
    } else {
      record('visible');
      flushEvents(false);
    }
  });
  const where = (e) => {
    const q = e.target && e.target.closest ? e.target.closest('.question') : null;
    return q ? { position: Number(q.dataset.position) } : undefined;
  };
  ['copy', 'paste', 'cut'].forEach((kind) => document.addEventListener(kind, (e) => record(kind, where(e))));
  document.addEventListener('contextmenu', (e) => record('context_menu', where(e)));
  document.addEventListener('fullscreenchange', () => {
    record(document.fullscreenElement ? 'fullscreen_enter' : 'fullscreen_exit');
  });
  window.addEventListener('offline', () => { record('offline'); wentOffline(); });
  window.addEventListener('online', () => {
    record('reconnect');
    offline = false;
    backoff = 1000;
    if (retryTimer) { clearTimeout(retryTimer); retryTimer = null; }
    showStatus();
    if (!loaded) start();
    pump();
    flushEvents(false);
  });
  window.addEventListener('pagehide', () => {
    commitTextDrafts();
    persist();
    flushEvents(true);
  });

  announceTab();
  start();
})();
