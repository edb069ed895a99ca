// The clinic's pages over the JSON API (docs/server.md). No framework and nothing fetched from elsewhere; every
// text from the registry goes into the page as text (textContent), never as HTML.
'use strict';

const state = { session: null, format: null };  // format: the registry's, for the forms (GET /api/format)
const main = document.getElementById('main');

// ---- helpers ----
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === 'text') node.textContent = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child != null) node.append(child);
  return node;
}
// Replaces `node`'s children, skipping absent ones as el() does (replaceChildren would show null as text).
function setChildren(node, ...children) {
  node.replaceChildren(...children.filter((child) => child != null));
}
const svgNs = 'http://www.w3.org/2000/svg';
function svg(tag, attributes = {}, text) {
  const node = document.createElementNS(svgNs, tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (text != null) node.textContent = text;
  return node;
}
async function api(method, path, body) {
  const options = { method, headers: {} };
  if (body !== undefined) {
    options.headers['Content-Type'] = 'application/json';
    options.body = JSON.stringify(body);
  }
  if (method !== 'GET' && state.session) options.headers['X-CSRF-Token'] = state.session.csrf_token;
  const res = await fetch(path, options);
  const data = await res.json().catch(() => ({}));
  if (res.status === 401 && path !== '/api/login') { state.session = null; showLogin(); }
  return { status: res.status, data };
}
const fmt = (x, digits = 1) => (x == null ? '–' : Number(x).toFixed(digits));
// An action's window; a blocked action's is the day it was found blocked, said once.
const windowOf = (a) => (a.window_start === a.window_end ? a.window_start : `${a.window_start} – ${a.window_end}`);
// A table; a click on a column's head sorts the rows in the page, or calls the column's own `sort` (a column
// given as { name, sort }) when the server sorts.
function table(columns, rows, sortable = true) {
  const body = el('tbody');
  const fill = (list) => { setChildren(body, ...list.map((r) => r.tr)); };
  const head = el('tr');
  columns.forEach((c, i) => {
    let ascending = true;
    head.append(el('th', { text: c.name ?? c, onclick: () => {
      if (c.sort) { c.sort(); return; }
      if (!sortable) return;
      rows.sort((a, b) => (a.keys[i] > b.keys[i] ? 1 : a.keys[i] < b.keys[i] ? -1 : 0) * (ascending ? 1 : -1));
      ascending = !ascending;
      fill(rows);
    } }));
  });
  fill(rows);
  return el('table', {}, el('thead', {}, head), body);
}
function row(cells, attributes = {}) {
  return { tr: el('tr', attributes, ...cells.map((c) => (c instanceof Node ? el('td', {}, c) : el('td', { text: c ?? '' })))),
           keys: cells.map((c) => (c instanceof Node ? c.textContent : c ?? '')) };
}

// ---- log-in ----
function showLogin(message) {
  document.getElementById('bar').hidden = true;
  const error = el('p', { class: 'error', id: 'login-error', text: message || '' });
  const user = el('input', { id: 'login-user', autocomplete: 'username', required: '' });
  const password = el('input', { id: 'login-password', type: 'password', autocomplete: 'current-password', required: '' });
  const form = el('form', { id: 'login', onsubmit: async (event) => {
    event.preventDefault();
    const { status, data } = await api('POST', '/api/login', { user: user.value, password: password.value });
    if (status !== 200) { error.textContent = data.error || 'log-in failed'; return; }
    state.session = data;
    start();
  } }, el('h1', { text: 'prrt' }), el('label', { text: 'User ' }, user),
  el('label', { text: 'Password ' }, password), el('button', { type: 'submit', id: 'login-submit', text: 'Log in' }), error);
  setChildren(main, form);
  user.focus();
}

// ---- worklist ----
// Filtered, sorted and paged by the server (GET /api/worklist), so that a registry of 100,000 patients opens
// as fast as one of ten.
const worklistColumns = [['Patient', 'patient'], ['Phase', 'phase'], ['Status', 'status'], ['Cycles', 'cycles'],
  ['Next action', 'next'], ['Salvage eligibility', 'eligibility']];
const worklistPage = 100;
// How the page names rows that have no patient_id (NULL or empty in the registry: the server lists them as null).
const noPatientId = 'rows without a patient_id (correct them with SQL; prrt validate --db lists them)';
const worklistView = { q: '', filter: '', sort: 'urgency', order: 'asc', offset: 0 };

async function showWorklist() {
  const view = worklistView;
  const filter = el('input', { id: 'worklist-filter', placeholder: 'search (id, phase, action, criteria)', value: view.q });
  const which = el('select', { id: 'worklist-which' }, ...[['', 'all'], ['due', 'due or overdue'], ['overdue', 'overdue'],
    ['eligible', 'eligible'], ['blocked', 'blocked']].map(([v, t]) => el('option', { value: v, text: t })));
  which.value = view.filter;
  const title = el('h1', { text: 'Worklist' });
  const holder = el('div');
  const toCorrect = el('div', { id: 'worklist-to-correct' });
  const count = el('span', { id: 'worklist-count', class: 'note' });
  const previous = el('button', { type: 'button', id: 'worklist-previous', text: '‹ previous' });
  const next = el('button', { type: 'button', id: 'worklist-next', text: 'next ›' });
  let asked = 0;
  const load = async () => {
    const query = new URLSearchParams({ sort: view.sort, order: view.order, offset: view.offset, limit: worklistPage });
    if (view.q) query.set('q', view.q);
    if (view.filter) query.set('filter', view.filter);
    const mine = ++asked;
    const { status, data } = await api('GET', `/api/worklist?${query}`);
    if (status !== 200 || mine !== asked) return;  // a later question is on its way
    title.textContent = `Worklist (as of ${data.as_of})`;
    setChildren(toCorrect, ...(data.patients_to_correct.length === 0 ? [] : [
      el('p', { class: 'error', text: 'Changed outside prrt, these patients\' rows are not as prrt records them: '
        + 'correct them on their pages (their plans, the curves and the study wait for it).' }),
      el('ul', {}, ...data.patients_to_correct.map((p) => el('li', {},
        // Rows with no patient_id have no page: they are corrected with SQL, where they were changed.
        p.patient_id === null ? el('span', { text: noPatientId })
          : el('a', { href: `#/patient/${encodeURIComponent(p.patient_id)}`, text: p.patient_id }),
        ` — ${p.problems[0]}${p.problems.length > 1 ? ` (and ${p.problems.length - 1} more)` : ''}`)))]));
    const rows = data.patients.map((p) => {
      const action = p.due[0] || p.actions[0];
      const overdue = p.due.some((a) => a.status === 'overdue');
      return row([
        el('a', { href: `#/patient/${encodeURIComponent(p.patient_id)}`, text: p.patient_id }),
        p.phase ? `${p.phase}-PRRT` : '–', p.phase_status, `${p.cycles_given} / ${p.cycles_intended}`,
        action ? `${action.action} ${action.phase || ''} ${action.number || ''}: ${action.status} (${windowOf(action)})` : '–',
        p.eligibility_summary || '–',
      ], { class: overdue ? 'overdue' : p.due.length ? 'due' : '' });
    });
    const sortBy = (key) => {
      view.order = view.sort === key && view.order === 'asc' ? 'desc' : 'asc';
      view.sort = key;
      view.offset = 0;
      load();
    };
    setChildren(holder, table(worklistColumns.map(([name, key]) => ({
      name: view.sort === key ? `${name} ${view.order === 'asc' ? '▲' : '▼'}` : name, sort: () => sortBy(key) })), rows));
    count.textContent = data.matched === 0 ? `none of ${data.total} patients`
      : `${data.offset + 1}–${data.offset + data.patients.length} of ${data.matched}`
        + (data.matched < data.total ? ` (of ${data.total} patients)` : ' patients');
    previous.disabled = data.offset === 0;
    next.disabled = data.offset + data.patients.length >= data.matched;
  };
  let typing;
  filter.addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(() => { view.q = filter.value; view.offset = 0; load(); }, 200);
  });
  which.addEventListener('change', () => { view.filter = which.value; view.offset = 0; load(); });
  previous.addEventListener('click', () => { view.offset = Math.max(0, view.offset - worklistPage); load(); });
  next.addEventListener('click', () => { view.offset += worklistPage; load(); });
  const canWrite = state.session && state.session.role !== 'viewer';
  setChildren(main, title, toCorrect, el('div', { class: 'controls' }, filter, which, previous, next, count), holder,
    canWrite ? registerForm() : null);
  await load();
}

// ---- patient ----
// The kinds of row the patient page records, each a file of the registry's format (GET /api/format, kept in
// state.format); responses and events take a free-text note besides.
const recordKinds = ['baselines', 'cycles', 'labs', 'responses', 'lesions', 'events'];
const withNote = ['responses', 'events'];
const formatOf = (file) => state.format.files.find((f) => f.file === file);
// A form's fields for a file's columns (but those in `skip`), as rowForm takes them: an enumeration, or an
// integer of a few values (the Krenning score), is chosen from a list that starts blank, so that nothing is
// recorded by default (a required one left blank is refused, beside its field); a unit from those of the test
// chosen. A column required of some rows only says of which beside its name (a target's diameter).
const formFields = (file, skip = ['patient_id']) => formatOf(file).columns.filter((c) => !skip.includes(c.name)).map((c) => {
  const when = c.required_when ? `required when ${c.required_when.column} is ${c.required_when.values.join(' or ')}` : null;
  const field = (type) => (when ? [c.name, type, when] : [c.name, type]);
  if (c.values_by) return field({ by: c.values_by.column, values: c.values_by.values });
  if (c.type === 'enum') return field(['', ...c.values]);
  if (c.type === 'integer' && c.max - c.min <= 10) {
    return field(['', ...Array.from({ length: c.max - c.min + 1 }, (_, i) => String(c.min + i))]);
  }
  return field(c.type === 'integer' ? 'number' : c.type);
});
const recordFields = (kind) => [...formFields(`${kind}.csv`), ...(withNote.includes(kind) ? [['x_note', 'text']] : [])];

// A form of one row's fields (`fields`: [name, 'date' | 'number' | 'text' | [choices] | { by: another field,
// values: { its value: [choices] } }, a hint beside the name if any]; each input's id
// `prefix`-name), filled with `values`; its buttons ([label, method]) send the fields given (or, with
// `changes`, the fields changed, "" for one emptied: the patient's own row, changed field by field), then
// `done` (by default the patient's page again). Field errors go beside their fields.
// With `recorded` (the rows recorded, each with its `label`) and `key` (their key columns), a row chosen fills
// the form, and "Correct" and "Remove" then name that row in the query: a correction may change its key.
// `explanation`, if any, is said under the title.
function rowForm({ id, prefix = id, title, explanation, fields, values = {}, buttons, changes = false, path,
  done = () => showPatient(values.patient_id), recorded = [], key = [] }) {
  const inputs = {};
  const errors = {};
  const general = el('p', { class: 'error' });
  let chosen = null;  // the key of the recorded row chosen
  const choice = recorded.length === 0 ? null : el('select', { id: `${prefix}-row`, onchange: () => {
    const picked = recorded[Number(choice.value)];
    chosen = picked ? Object.fromEntries(key.map((k) => [k, picked[k]])) : null;
    if (picked) fill(picked);
  } }, el('option', { value: '', text: '– (a new row, or the recorded one of the key below)' }),
  ...recorded.map((r, i) => el('option', { value: String(i), text: r.label })));
  const options = (choices) => choices.map((v) => el('option', { value: v, text: v || '–' }));
  const labels = fields.map(([name, type, hint]) => {
    const input = Array.isArray(type) || type.by
      ? el('select', { name, id: `${prefix}-${name}` }, ...options(Array.isArray(type) ? type : ['']))
      : el('input', { name, id: `${prefix}-${name}`, type: type === 'number' ? 'text' : type, inputmode: type === 'number' ? 'decimal' : 'text' });
    inputs[name] = input;
    errors[name] = el('span', { class: 'error', id: `${prefix}-${name}-error` });
    return el('label', { text: `${name === 'x_note' ? 'note' : name}${hint ? ` (${hint})` : ''} ` }, input, errors[name]);
  });
  // A field whose choices depend on another's value (a lab result's unit on its test) follows it.
  const follow = (name, type) => {
    const kept = inputs[name].value;
    setChildren(inputs[name], ...options(['', ...(type.values[inputs[type.by].value] || [])]));
    inputs[name].value = kept;
  };
  for (const [name, type] of fields) if (type.by) inputs[type.by].addEventListener('change', () => follow(name, type));
  const fill = (row) => fields.forEach(([name, type]) => {
    if (type.by) follow(name, type);
    inputs[name].value = row[name] ?? '';
  });
  fill(values);
  const send = async (method) => {
    Object.values(errors).forEach((e) => { e.textContent = ''; });
    general.textContent = '';
    const body = {};
    for (const [name, input] of Object.entries(inputs)) {
      if (changes ? input.value !== (values[name] ?? '') : input.value !== '') body[name] = input.value;
    }
    // A removal names its row by the key in the query, as does a correction of a row chosen; moving a date
    // (REDATE) moves every row of the chosen row's date to the date in the form.
    const query = (named) => `${path}?${new URLSearchParams(named)}`;
    if (method === 'REDATE' && !chosen) { general.textContent = 'Choose the recorded row of the date to move first.'; return; }
    const request = { DELETE: () => [method, query(chosen || body)], REDATE: () => ['PATCH', query({ date: chosen.date }), { date: body.date ?? '' }] }[method]
      ?.() ?? [method, method === 'PUT' && chosen ? query(chosen) : path, body];
    const { status, data } = await api(...request);
    if (status === 200 || status === 201) { done(body); return; }
    for (const e of data.errors || []) {
      if (e.field && errors[e.field]) errors[e.field].textContent = ` ${e.message}`;
      else general.textContent += `${e.message} `;
    }
    if (data.error) general.textContent = data.error;
  };
  const [first, ...others] = buttons;
  return el('form', { class: 'record', id, onsubmit: (event) => { event.preventDefault(); send(first[1]); } },
    el('strong', { text: title }), explanation ? el('p', { class: 'note', id: `${id}-explanation`, text: explanation }) : null,
    choice ? el('label', { text: 'recorded row ' }, choice) : null, ...labels,
    el('button', { type: 'submit', id: `${id}-submit`, text: first[0] }),
    ...others.map(([label, method]) => (method === 'DELETE' ? removeButton(`${id}-delete`, label, () => send(method))
      : el('button', { type: 'button', id: `${id}-${method.toLowerCase()}`, text: label, onclick: () => send(method) }))),
    general);
}

// A button that removes something: it asks to be clicked twice (no dialog: a dialog is what the security
// test watches for).
function removeButton(id, label, remove) {
  const button = el('button', { type: 'button', id, text: label, onclick: () => {
    if (button.textContent === label) { button.textContent = 'Click again to remove it'; return; }
    button.textContent = label;
    remove();
  } });
  return button;
}

// A patient registered by mistake, with nothing recorded of them, is removed; the worklist follows.
function removePatient(id) {
  const error = el('p', { class: 'error', id: 'patient-remove-error' });
  return el('div', {}, removeButton('patient-remove', 'Remove this patient (registered by mistake)', async () => {
    const { status, data } = await api('DELETE', `/api/patients/${encodeURIComponent(id)}`);
    if (status === 200) { location.hash = '#/worklist'; return; }
    error.textContent = data.error || (data.errors || []).map((e) => e.message).join(' ');
  }), error);
}

// The key columns of a kind of row (besides the patient), and the rows of the patient page of that kind, as
// recorded (a response computed from lesion measurements is not).
const recordKey = (kind) => formatOf(`${kind}.csv`).key.filter((k) => k !== 'patient_id');
const recordedRows = (p, kind) => ({
  baselines: p.work_ups,
  cycles: p.phases.flatMap((ph) => ph.cycles.map((c) => ({ phase: ph.phase, ...c }))),
  labs: p.labs,
  responses: p.responses.filter((r) => !r.computed_from),
  lesions: p.lesions,
  events: p.events,
}[kind]);

// Recording a row of `kind`; "Correct" replaces the row chosen among those recorded (its date, say, may
// change) or else the row of the same key (a cycle's date, a lab result's date and test, a work-up's phase,
// ...), "Remove" removes it (a row entered in error). A scan's lesions, or a blood draw's results, recorded on a
// wrong date are moved together (one by one, a scan's lesions would break RECIST's rules on the way). With
// `removeOnly`, the rows stored under an id no patient has (changed outside prrt), which may only be removed.
const recordForm = (p, kind, rows = recordedRows(p, kind), removeOnly = false) => {
  const fields = recordFields(kind);
  const recorded = rows.map((r) => ({ ...r,
    label: fields.filter(([name]) => name !== 'x_note').map(([name]) => r[name]).filter((v) => v != null && v !== '').join(' · ') }));
  const move = recorded.length === 0 ? null
    : { lesions: ['Move the whole scan to this date', 'REDATE'], labs: ['Move the whole blood draw to this date', 'REDATE'] }[kind];
  // A response computed from the lesion measurements is not a row to correct: it follows the measurements (a
  // page of rows to correct has none).
  const computed = kind === 'responses' && p.responses?.some((r) => r.computed_from);
  return rowForm({
    id: `record-${kind}`, prefix: kind, fields, values: { patient_id: p.patient_id },
    explanation: computed ? 'Responses computed from the lesion measurements (RECIST 1.1 from lesions.csv) are not offered here: '
      + 'they follow the measurements, which the lesion measurement form corrects.' : undefined,
    title: removeOnly ? `Remove ${kind} rows`
      : `Record ${{ baselines: 'work-up (before a phase)', lesions: 'lesion measurement (RECIST 1.1)' }[kind] || kind.replace(/s$/, '')}`,
    path: `/api/patients/${encodeURIComponent(p.patient_id)}/${kind}`, key: recordKey(kind), recorded,
    buttons: removeOnly ? [['Remove the recorded one', 'DELETE']]
      : [['Save', 'POST'], ['Correct the recorded one', 'PUT'], ['Remove the recorded one', 'DELETE'], ...(move ? [move] : [])] });
};

// A new patient (a row of patients.csv; death and the reason for no salvage PRRT come later, as follow-up),
// opened once registered.
const registerForm = (values = {}) => rowForm({
  id: 'register', title: 'Register a patient', path: '/api/patients', buttons: [['Register', 'POST']],
  values: { last_contact_date: new Date().toISOString().slice(0, 10), ...values },
  fields: formFields('patients.csv', ['death_date', 'no_salvage_reason']),
  done: (body) => {
    const page = `#/patient/${encodeURIComponent(body.patient_id)}`;
    if (location.hash === page) showPatient(body.patient_id); else location.hash = page;
  } });

// The patient's data and follow-up: last contact, death, and why salvage PRRT was not given.
const followUpForm = (p) => rowForm({
  id: 'follow-up', title: 'Patient and follow-up (a death moves the last contact to its date)', fields: formFields('patients.csv'),
  values: p, changes: true, path: `/api/patients/${encodeURIComponent(p.patient_id)}`, buttons: [['Save', 'PATCH']] });

// A patient registered under a mistyped id is given the right one, with every row of theirs; their page
// opens under it.
const renameForm = (p) => rowForm({
  id: 'rename', title: 'Correct a mistyped patient id', fields: [['patient_id', 'text']],
  path: `/api/patients/${encodeURIComponent(p.patient_id)}/rename`, buttons: [['Give this patient the id', 'POST']],
  done: (body) => { location.hash = `#/patient/${encodeURIComponent(body.patient_id)}`; } });

function labChart(labs, bands, test) {
  const points = labs.filter((l) => l.test === test).map((l) => ({ t: Date.parse(l.date), ...l }));
  if (points.length === 0) return null;
  const band = bands.find((b) => b.test === test && b.unit === points[0].unit);
  const w = 460, h = 170, left = 48, bottom = 24, top = 18;
  const t0 = Math.min(...points.map((p) => p.t)), t1 = Math.max(...points.map((p) => p.t)) || t0 + 1;
  const ymax = Math.max(...points.map((p) => p.value), band ? band.limits[0] : 0) * 1.15 || 1;
  const x = (t) => left + (w - left - 10) * (t1 === t0 ? 0.5 : (t - t0) / (t1 - t0));
  const y = (v) => top + (h - top - bottom) * (1 - Math.min(v, ymax) / ymax);
  const chart = svg('svg', { width: w, height: h, class: 'lab-chart', 'aria-label': `${test} over time` });
  if (band) {
    // CTCAE v3.0 grade bands: grade g from limits[g - 1] on, downwards (blood counts) or upwards (x ULN).
    const edges = band.decreasing ? [...band.limits, 0] : [...band.limits, ymax];
    for (let g = 1; g <= 4; g += 1) {
      const [a, b] = [edges[g - 1], edges[g]];
      chart.append(svg('rect', { x: left, width: w - left - 10, y: y(Math.max(a, b)), height: Math.abs(y(a) - y(b)),
        class: `band grade${g}`, 'fill-opacity': 0.12 }));
    }
  }
  chart.append(svg('text', { x: left, y: 12, 'font-size': 12, 'font-weight': 'bold' }, `${test} (${points[0].unit})`));
  chart.append(svg('path', { d: `M${left} ${top}V${h - bottom}H${w - 10}`, stroke: '#444', fill: 'none' }));
  for (const v of [0, ymax / 2, ymax]) chart.append(svg('text', { x: left - 4, y: y(v) + 4, 'font-size': 10, 'text-anchor': 'end' }, fmt(v, 1)));
  chart.append(svg('path', { d: points.map((p, i) => `${i ? 'L' : 'M'}${x(p.t)} ${y(p.value)}`).join(''), stroke: '#1f5fa8', fill: 'none' }));
  for (const p of points) {
    const dot = svg('circle', { cx: x(p.t), cy: y(p.value), r: 3.5, class: `grade${p.ctcae_grade ?? 0}` });
    dot.append(svg('title', {}, `${p.date}: ${p.value} ${p.unit}, CTCAE grade ${p.ctcae_grade ?? '–'}`));
    chart.append(dot);
  }
  return chart;
}

// The patient's changes, who made them and when, shown when asked for (oldest first).
function auditTrail(id) {
  const holder = el('div', { id: 'audit-trail' });
  const show = el('button', { type: 'button', id: 'audit-show', text: 'Show the changes', onclick: async () => {
    const { status, data } = await api('GET', `/api/patients/${encodeURIComponent(id)}/audit`);
    if (status !== 200) { setChildren(holder, el('p', { class: 'error', text: data.error || 'not available' })); return; }
    const shown = (v) => (v == null ? '–' : v);
    setChildren(holder, table(['Time (UTC)', 'User', 'Action', 'Row', 'Field', 'From', 'To'], data.entries.map((e) => row([
      e.time.replace('T', ' ').replace('Z', ''), e.user, e.action, `${e.table} ${e.row_key}`, shown(e.column), shown(e.old_value), shown(e.new_value)]))));
  } });
  holder.append(show);
  return holder;
}

// A table of the rows or, when there are none, a line saying so rather than a bare header.
const tableOrNone = (columns, rows, none, sortable = false) => (rows.length ? table(columns, rows, sortable) : el('p', { class: 'note', text: none }));

// Whether the patient has no rows but their own (the page shows every kind the clinic records).
const nothingRecorded = (p) => [p.phases, p.work_ups, p.labs, p.responses, p.lesions, p.events].every((rows) => rows.length === 0);

// A patient whose rows were changed outside prrt and fail the checks an import makes (GET answers 409): the
// problems, the changes, and the forms filled from the rows as stored, to correct them. Rows stored under an
// id no patient has are mended by registering the patient (or removed).
function showPatientToCorrect(data) {
  const canWrite = state.session && state.session.role !== 'viewer';
  const stored = (file) => data.rows[file] || [];
  const registered = stored('patients.csv').length > 0;
  const p = { patient_id: data.patient_id, ...(stored('patients.csv')[0] || {}) };
  setChildren(main,
    el('h1', { id: 'patient-title', text: `${data.patient_id} — rows to correct` }),
    el('p', { class: 'error', text: data.error }),
    el('ul', { id: 'patient-problems' }, ...data.problems.map((problem) => el('li', { text: problem }))),
    el('p', { class: 'note', text: 'Nothing is derived of this patient (timeline, plan, curves, study) until every row is as prrt records it.' }),
    el('h2', { text: 'Changes (audit trail)' }), auditTrail(data.patient_id),
    // Rows of an id no patient has become the patient's when registered, or are removed one by one.
    canWrite ? el('div', {}, el('h2', { text: 'Correct' }), registered ? followUpForm(p) : registerForm({ patient_id: data.patient_id }),
      ...(registered ? recordKinds.map((k) => recordForm(p, k, stored(`${k}.csv`)))
        : recordKinds.filter((k) => stored(`${k}.csv`).length > 0).map((k) => recordForm(p, k, stored(`${k}.csv`), true))))
      : el('p', { class: 'note', text: 'Viewers cannot record data.' }));
}

async function showPatient(id) {
  const { status, data: p } = await api('GET', `/api/patients/${encodeURIComponent(id)}`);
  if (status === 409 && p.problems) { showPatientToCorrect(p); return; }
  if (status !== 200) { setChildren(main, el('p', { class: 'error', text: status === 404 ? `no patient '${id}' in the registry` : p.error || 'not available' })); return; }
  const phases = p.phases.map((ph) => row([`${ph.phase}-PRRT`, ph.start,
    ph.cycles.map((c) => `${c.date}: ${c.activity_gbq} GBq (${fmt(c.cumulative_gbq)} in all)`).join('; '),
    ph.best_response ? `${ph.best_response}${{ 'lesions.csv': ' (from lesion measurements)', 'events.csv': ' (a clinical progression)' }[ph.best_response_source] || ''}` : '–',
    `${fmt(ph.pfs_months)}${ph.pfs_event ? '' : ' (censored)'}`]));
  const plan = p.plan;
  const actions = plan ? plan.actions.map((a) => row([a.action, a.phase, a.number, a.status, windowOf(a),
    a.activity_gbq != null ? `${a.activity_gbq} GBq` : '', a.reason], { class: a.status })) : [];
  const canWrite = state.session && state.session.role !== 'viewer';
  setChildren(main,
    el('h1', { id: 'patient-title', text: `${p.patient_id} — ${p.sex}, born ${p.birth_date}, ${p.primary_site} NET` }),
    el('p', { id: 'patient-follow-up', text: `${p.death_date ? `Died ${p.death_date}` : `Last contact ${p.last_contact_date}`}. Cumulative activity ${fmt(p.cumulative_activity_gbq)} GBq; OS ${fmt(p.os_months)} months${p.os_event ? '' : ' (censored)'}` }),
    el('h2', { text: 'Phases and cycles' }), tableOrNone(['Phase', 'Start', 'Cycles', 'Best response', 'PFS (months)'], phases, 'No cycle recorded.'),
    el('h2', { text: 'Work-ups before each phase' }),
    tableOrNone(['Phase', 'Date', 'Krenning score', 'Karnofsky', 'Extent', 'Progression before'], p.work_ups.map((w) => row([
      `${w.phase}-PRRT`, w.date, w.krenning_score || '–', w.karnofsky || '–', w.extent || '–', w.progression || '–'])), 'No work-up recorded.'),
    el('h2', { text: 'Plan' }),
    el('p', { id: 'plan-summary', text: plan ? `${plan.phase ? `${plan.phase}-PRRT` : 'no phase'}: ${plan.phase_status}, ${plan.cycles_given} of ${plan.cycles_intended} cycles${plan.stop_reason ? ` (${plan.stop_reason})` : ''}` : '–' }),
    tableOrNone(['Action', 'Phase', 'Number', 'Status', 'Window', 'Activity', 'Why'], actions, 'Nothing planned.'),
    el('h2', { text: 'Laboratory (CTCAE v3.0 grade bands and points: green 0, yellow 1, orange 2, red 3, dark red 4)' }),
    el('div', {}, ...['hb', 'wbc', 'platelets', 'creatinine', 'cga'].map((t) => labChart(p.labs, p.ctcae_bands, t))),
    el('h2', { text: 'Responses and events' }),
    tableOrNone(['Date', 'What', 'Method', 'Note'], [...p.responses.map((r) => row([r.date, `response ${r.response}`, r.method, r.x_note])),
      ...p.events.map((e) => row([e.date, e.event, e.method || '', e.x_note]))], 'No response or event recorded.', true),
    el('h2', { text: 'Lesion measurements (RECIST 1.1)' }),
    tableOrNone(['Date', 'Lesion', 'Organ', 'Role', 'Lymph node', 'Diameter (mm)', 'Status'], p.lesions.map((l) => row([
      l.date, l.lesion_id, l.organ, l.role, l.lymph_node, l.diameter_mm ?? '–', l.status || '–'])), 'No lesion measurement recorded.'),
    el('h2', { text: 'Changes (audit trail)' }), auditTrail(p.patient_id),
    canWrite ? el('div', {}, el('h2', { text: 'Record' }), followUpForm(p), renameForm(p), ...recordKinds.map((k) => recordForm(p, k)),
      nothingRecorded(p) ? removePatient(p.patient_id) : null)
      : el('p', { class: 'note', text: 'Viewers cannot record data.' }));
}

// ---- cohort explorer ----
function kmChart(km) {
  const w = 660, h = 300, left = 90, bottom = 40, top = 14, colours = ['#1f5fa8', '#c0392b', '#2e8b57', '#8e44ad', '#e67e22', '#555'];
  // Retreatment and control in the report's colours (its Fig. 3), whatever else is shown beside them.
  const groupColours = { retreatment: '#1f5fa8', control: '#c0392b', neither: '#555' };
  const tmax = Math.max(1, ...km.groups.flatMap((g) => g.table.map((r) => r.time)));
  const x = (t) => left + (w - left - 130) * t / tmax;
  const y = (s) => top + (h - top - bottom) * (1 - s);
  const chart = svg('svg', { width: w, height: h + 20 * km.groups.length, id: 'km-chart', class: 'km' });
  chart.append(svg('path', { d: `M${left} ${top}V${h - bottom}H${x(tmax)}`, stroke: '#444', fill: 'none' }));
  for (const s of [0, 0.5, 1]) chart.append(svg('text', { x: left - 4, y: y(s) + 4, 'font-size': 10, 'text-anchor': 'end' }, s.toFixed(1)));
  const step = Math.max(12, Math.ceil(tmax / 6 / 12) * 12);
  km.groups.forEach((g, i) => {
    const colour = groupColours[g.group] || colours[i % colours.length];
    let d = `M${x(0)} ${y(1)}`;
    for (const r of g.table) d += `H${x(r.time)}V${y(r.surv)}`;
    chart.append(svg('path', { d, stroke: colour, fill: 'none', 'stroke-width': 1.8, class: 'curve' }));
    chart.append(svg('text', { x: x(tmax) + 8, y: top + 14 + 14 * i, fill: colour, 'font-size': 11 }, `${g.group} (n = ${g.n})`));
    // Numbers at risk under the plot.
    const ty = h + 6 + 18 * i;
    chart.append(svg('text', { x: 2, y: ty, fill: colour, 'font-size': 10 }, g.group.slice(0, 13)));
    for (let t = 0; t <= tmax; t += step) {
      const first = g.table.find((r) => r.time >= t);
      chart.append(svg('text', { x: x(t), y: ty, 'font-size': 10, 'text-anchor': 'middle', class: 'at-risk' }, String(first ? first.n_risk : 0)));
    }
  });
  for (let t = 0; t <= tmax; t += step) chart.append(svg('text', { x: x(t), y: h - bottom + 14, 'font-size': 10, 'text-anchor': 'middle' }, String(t)));
  chart.append(svg('text', { x: (left + x(tmax)) / 2, y: h - 8, 'font-size': 11, 'text-anchor': 'middle' }, 'Months (numbers at risk below)'));
  return chart;
}

async function showCohort() {
  const endpoint = el('select', { id: 'km-endpoint' }, ...[['os', 'OS from I-PRRT'], ['pfs_i', 'PFS after I-PRRT'],
    ['pfs_r', 'PFS after R-PRRT'], ['pfs_rr', 'PFS after RR-PRRT']].map(([v, t]) => el('option', { value: v, text: t })));
  const group = el('select', { id: 'km-group' }, ...[['cohort', 'by group (retreatment / control)'], ['tumour', 'by tumour type'],
    ['grade', 'by WHO grade']].map(([v, t]) => el('option', { value: v, text: t })));
  // Filters: only the patients whose group, tumour type and WHO grade are among those ticked (none ticked:
  // all of them).
  const filters = Object.entries({
    cohort: ['retreatment', 'control', 'neither'],
    tumour: ['midgut', 'pancreatic', 'bronchial', 'hindgut', 'foregut', 'unknown'],
    grade: ['G1', 'G2', 'G3', 'unknown'],
  }).map(([name, values]) => ({ name, boxes: values.map((v) => el('input', { type: 'checkbox', value: v, id: `km-${name}-${v}` })) }));
  const result = el('div', { id: 'km-result' });
  const run = async () => {
    const query = new URLSearchParams({ endpoint: endpoint.value, group: group.value });
    for (const f of filters) {
      const ticked = f.boxes.filter((b) => b.checked).map((b) => b.value);
      if (ticked.length) query.set(f.name, ticked.join(','));
    }
    const { status, data } = await api('GET', `/api/km?${query}`);
    if (status !== 200) { setChildren(result, el('p', { class: 'error', text: data.error || 'no answer' })); return; }
    const medians = data.groups.map((g) => row([g.group, g.n, g.events, fmt(g.median), `${fmt(g.median_lower)} – ${fmt(g.median_upper)}`]));
    const left = data.patients_to_correct.length === 0 ? null : el('p', { class: 'error', id: 'km-to-correct',
      text: `Left out until their rows are corrected (changed outside prrt): ${data.patients_to_correct.map((id) => id ?? noPatientId).join(', ')}` });
    setChildren(result, left, kmChart(data), table(['Group', 'n', 'Events', 'Median (months)', '95% CI'], medians),
      el('p', { id: 'km-logrank', text: data.logrank ? `Log-rank chi-square ${fmt(data.logrank.chisq, 2)} on ${data.logrank.df} df, p ${data.logrank.p < 0.001 ? '< 0.001' : `= ${fmt(data.logrank.p, 3)}`}` : 'One group: no test.' }));
  };
  setChildren(main, el('h1', { text: 'Cohort explorer' }),
    el('div', { class: 'controls' }, endpoint, group, el('button', { id: 'km-run', type: 'button', text: 'Show', onclick: run })),
    el('div', { class: 'filters' }, ...filters.map((f) => el('fieldset', {}, el('legend', { text: `only ${f.name}` }),
      ...f.boxes.map((b) => el('label', {}, b, ` ${b.value}`))))),
    result);
  run();
}

// ---- study ----
async function showStudy() {
  setChildren(main, el('h1', { text: 'Study' }), el('p', { class: 'note', text: 'Computing the study of the registry…' }));
  const { status, data } = await api('GET', '/api/study');
  if (status !== 200) { setChildren(main, el('p', { class: 'error', text: data.error || 'no study' })); return; }
  const link = (name) => el('a', name.endsWith('.html')
    ? { href: `/api/study/${encodeURIComponent(name)}`, target: '_blank', rel: 'noopener', text: name }
    : { href: `/api/study/${encodeURIComponent(name)}`, download: name, text: name });
  const rows = data.files.map((f) => row([link(f.name), `${Math.ceil(f.bytes / 1024)} kB`]));
  setChildren(main, el('h1', { text: `Study of the registry (${data.patients} patients)` }),
    el('p', { text: 'The analyses of the salvage-PRRT paper and beyond it, computed from the registry as it is now: '
      + 'the report (HTML), the workbook (XLSX), each table (CSV), study.json, and the endpoints as CDISC ADaM ADTTE '
      + '(adtte.csv) for R or SAS.' }),
    el('p', {}, el('a', { id: 'study-report', href: '/api/study/report.html', target: '_blank', rel: 'noopener', text: 'Open the report' })),
    table(['File', 'Size'], rows));
}

// ---- routing ----
function route() {
  if (!state.session) return showLogin();
  const hash = location.hash || '#/worklist';
  const patient = hash.match(/^#\/patient\/(.+)$/);
  if (patient) return showPatient(decodeURIComponent(patient[1]));
  if (hash === '#/cohort') return showCohort();
  if (hash === '#/study') return showStudy();
  return showWorklist();
}

async function start() {
  if (!state.session) {
    const { status, data } = await api('GET', '/api/session');
    if (status !== 200) return showLogin();
    state.session = data;
  }
  if (!state.format) {
    const { status, data } = await api('GET', '/api/format');
    if (status !== 200) return showLogin();
    state.format = data;
  }
  document.getElementById('bar').hidden = false;
  document.getElementById('who').textContent = `${state.session.user} (${state.session.role})`;
  route();
}

document.getElementById('logout').addEventListener('click', async () => {
  await api('POST', '/api/logout', {});
  state.session = null;
  showLogin();
});
window.addEventListener('hashchange', route);
start();
