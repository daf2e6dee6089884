// Item writers' pages: the item editor with live preview, and the import page. Both talk to the REST API
// with the page's CSRF token, so the API's validation is the only validation.
(function () {
  'use strict';
  const LETTERS = 'ABCDEFGH';
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const $ = (id) => document.getElementById(id);
  const el = (tag, attrs, text) => {
    const e = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => e.setAttribute(k, v));
    if (text !== undefined) e.textContent = text;
    return e;
  };

  async function api(method, url, body, isForm) {
    const headers = { 'X-CSRFToken': csrf, Accept: 'application/json' };
    if (!isForm) headers['Content-Type'] = 'application/json';
    const resp = await fetch(url, { method, headers, body: isForm ? body : JSON.stringify(body), credentials: 'same-origin' });
    let data = null;
    try { data = await resp.json(); } catch (e) { data = { detail: resp.statusText }; }
    return { ok: resp.ok, status: resp.status, data };
  }

  // ---- the item editor ----------------------------------------------------------------------------
  const form = $('item-form');
  if (form) {
    const initial = JSON.parse($('item-data').textContent || '{}');
    const typeSel = $('e-type');
    const type = () => typeSel.value;

    function addOption(text, checked) {
      const li = el('li', { class: 'option-row' });
      const mark = el('input', { type: type() === 'single' ? 'radio' : 'checkbox', name: 'key-mark', class: 'key-mark', title: 'correct' });
      mark.checked = !!checked;
      const input = el('input', { class: 'option-text', size: '60' });
      input.value = text || '';
      const del = el('button', { type: 'button', class: 'link remove-option' }, '×');
      del.addEventListener('click', () => { li.remove(); render(); });
      li.append(mark, ' ', input, ' ', del);
      $('e-options').append(li);
    }
    function addPoint(p) {
      const tr = el('tr', { class: 'rubric-row' });
      const point = el('input', { class: 'r-point', size: '40' }); point.value = p ? p.point : '';
      const weight = el('input', { class: 'r-weight', type: 'number', step: '0.5', min: '0.5', style: 'width:5em' }); weight.value = p ? p.weight : '';
      const syn = el('input', { class: 'r-synonyms', size: '40' }); syn.value = p ? (p.synonyms || []).join('；') : '';
      const del = el('button', { type: 'button', class: 'link' }, '×');
      del.addEventListener('click', () => tr.remove());
      [point, weight, syn, del].forEach((x) => { const td = el('td'); td.append(x); tr.append(td); });
      $('e-rubric').querySelector('tbody').append(tr);
    }
    function showBoxes() {
      const t = type();
      $('e-options-box').hidden = !(t === 'single' || t === 'multi');
      $('e-tf-box').hidden = t !== 'truefalse';
      $('e-short-box').hidden = t !== 'short';
      document.querySelectorAll('.key-mark').forEach((m) => { m.type = t === 'single' ? 'radio' : 'checkbox'; });
      const module = $('e-module').value;
      document.querySelectorAll('.kp[data-module]').forEach((k) => { k.hidden = k.dataset.module !== module; });
    }
    function collect() {
      const t = type();
      const data = {
        module: $('e-module').value,
        stem: $('e-stem').value,
        explanation: $('e-explanation').value,
        difficulty: parseInt($('e-difficulty').value, 10),
        source: $('e-source').value,
        tags: $('e-tags').value.split(/[,，]/).map((s) => s.trim()).filter(Boolean),
        knowledge_points: [...document.querySelectorAll('.kp[data-module]:not([hidden]) input:checked')].map((i) => i.value),
        levels: [...document.querySelectorAll('input[name="levels"]:checked')].map((i) => i.value),
      };
      if ($('e-points').value) data.points = parseFloat($('e-points').value);
      if ($('e-note').value) data.note = $('e-note').value;
      if (t === 'single' || t === 'multi') {
        const rows = [...document.querySelectorAll('.option-row')];
        data.options = rows.map((r) => r.querySelector('.option-text').value);
        const marked = rows.map((r, i) => (r.querySelector('.key-mark').checked ? LETTERS[i] : null)).filter(Boolean);
        data.key = t === 'single' ? (marked.length === 1 ? marked[0] : marked) : marked;
      } else if (t === 'truefalse') {
        const v = document.querySelector('input[name="tf"]:checked');
        data.options = [];
        data.key = v ? v.value === 'true' : null;
      } else {
        data.options = [];
        data.key = null;
        data.references = $('e-references').value.split(/\n\s*\n/).map((s) => s.trim()).filter(Boolean);
        data.rubric = [...document.querySelectorAll('.rubric-row')].map((r) => ({
          point: r.querySelector('.r-point').value.trim(),
          weight: parseFloat(r.querySelector('.r-weight').value),
          synonyms: r.querySelector('.r-synonyms').value.split(/[；;]/).map((s) => s.trim()).filter(Boolean),
        })).filter((p) => p.point);
      }
      return data;
    }
    function render() {
      showBoxes();
      const d = collect();
      $('p-stem').textContent = d.stem;
      const list = $('p-options');
      list.replaceChildren();
      if (type() === 'truefalse') ['对', '错'].forEach((t) => list.append(el('li', {}, '○ ' + t)));
      (d.options || []).forEach((o, i) => list.append(el('li', {}, LETTERS[i] + '. ' + o)));
      if (type() === 'short') list.append(el('li', {}, '▭'));
      $('p-points').textContent = d.points ? d.points + ' 分' : '';
    }

    (initial.options && initial.options.length ? initial.options : ['', '', '', '']).forEach((o, i) => {
      const key = initial.key;
      addOption(o, Array.isArray(key) ? key.includes(LETTERS[i]) : key === LETTERS[i]);
    });
    (initial.rubric && initial.rubric.length ? initial.rubric : [null]).forEach(addPoint);
    $('e-add-option').addEventListener('click', () => { if (document.querySelectorAll('.option-row').length < 8) addOption(''); render(); });
    $('e-add-point').addEventListener('click', () => addPoint(null));
    form.addEventListener('input', render);
    form.addEventListener('change', render);
    render();

    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      document.querySelectorAll('.field-error').forEach((e) => e.classList.remove('field-error'));
      const data = collect();
      const id = form.dataset.itemId;
      if (!id) { data.program = form.dataset.program; data.type = type(); }
      const res = id ? await api('PATCH', `/api/v1/items/${id}`, data) : await api('POST', '/api/v1/items', data);
      if (!res.ok) {
        const errs = res.data.errors || {};
        $('e-errors').replaceChildren(...(Object.keys(errs).length
          ? Object.entries(errs).map(([f, msgs]) => el('div', { 'data-field': f }, `${f}: ${msgs.join(' ')}`))
          : [el('div', {}, res.data.detail || res.status)]));
        return;
      }
      const warnings = res.data.warnings || [];
      if (warnings.length) {
        $('e-warnings').replaceChildren(...warnings.map((w) => el('div', {}, w.message_zh)),
          el('a', { href: `/bank/items/${res.data.id}` }, '→ ' + res.data.code));
        $('e-errors').replaceChildren();
        return;
      }
      window.location = `/bank/items/${res.data.id}`;
    });
  }

  // ---- the import page ------------------------------------------------------------------------------
  const imp = $('import-form');
  if (imp) {
    const filterModules = () => {
      const p = $('i-program').value;
      document.querySelectorAll('#i-module option[data-program]').forEach((o) => { o.hidden = o.dataset.program !== p; });
      $('i-template').href = '/api/v1/imports/template?program=' + encodeURIComponent(p);
    };
    $('i-program').addEventListener('change', filterModules);
    filterModules();
    async function send(dryRun) {
      const fd = new FormData();
      fd.append('program', $('i-program').value);
      if ($('i-module').value) fd.append('module', $('i-module').value);
      fd.append('status', $('i-status').value);
      fd.append('dry_run', dryRun ? 'true' : 'false');
      fd.append('skip_invalid', $('i-skip').checked ? 'true' : 'false');
      fd.append('file', $('i-file').files[0]);
      const res = await api('POST', '/api/v1/imports', fd, true);
      const report = res.ok ? res.data : res.data.report;
      $('i-error').textContent = res.ok ? '' : (res.data.code + ': ' + res.data.detail);
      if (!report) { $('i-report').hidden = true; return; }
      $('i-report').hidden = false;
      $('i-summary').textContent = `导入 ${report.imported} · 警告 ${report.warnings} · 拒绝 ${report.rejected} · 已写入 ${report.written}` + (report.dry_run ? '（检查，未写入）' : '');
      $('i-entries').replaceChildren(...report.entries.map((e) => {
        const tr = el('tr', { class: 'outcome-' + e.outcome });
        [e.location, { imported: '导入', warning: '警告', rejected: '拒绝' }[e.outcome], e.type || '', e.module || '', e.stem || '',
          e.messages.map((m) => `${m.code}: ${m.message_zh}`).join('；')].forEach((t) => tr.append(el('td', {}, t)));
        return tr;
      }));
      $('i-confirm').disabled = !(dryRun && res.ok && (report.rejected === 0 || $('i-skip').checked));
    }
    imp.addEventListener('submit', (ev) => { ev.preventDefault(); send(true); });
    $('i-confirm').addEventListener('click', () => send(false));
  }
})();
