// 考评 dashboard: the published ranking of a round, its grade distribution, where points were
// lost, and a department's own sheet. Plain JavaScript served by the binary (no framework, no CDN)
// under a strict Content-Security-Policy: no inline code, every API text goes in as textContent,
// charts are SVG built here.
'use strict';

(function () {
  const TOKEN_KEY = 'kaoping.dashboard.token';
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const GRADE_CLASS = { 优: 'grade-a', 良: 'grade-b', 中: 'grade-c', 差: 'grade-d' };
  const ROLE_NAME = { admin: '管理员', reviewer: '评审专家', department: '部门', viewer: '查看者' };
  const STATUS_NAME = {
    scored: '自动评分',
    judged: '评审评分',
    overridden: '评审调整',
    awaiting_judgment: '待评审',
    awaiting_confirmation: '待确认',
    missing_input: '缺少输入',
    awaiting_reconciliation: '待裁定',
  };

  const state = {
    token: '',
    round: null,
    version: null,
    category: '',
    me: null,
    rankings: null,
    // Every load takes a ticket; a response whose ticket is stale is dropped, so a slow answer
    // for the previous choice never overwrites the current one.
    tickets: { round: 0, rankings: 0, own: 0 },
  };

  const $ = (id) => document.getElementById(id);

  /** An element with classes, text and data attributes; text always goes in as textContent. */
  function el(tag, opts, children) {
    const node = document.createElement(tag);
    applyOpts(node, opts);
    for (const child of children || []) {
      if (child !== null && child !== undefined) node.append(child);
    }
    return node;
  }

  function svg(tag, attrs, opts) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    applyOpts(node, opts);
    return node;
  }

  function applyOpts(node, opts) {
    if (!opts) return;
    if (opts.cls) node.setAttribute('class', opts.cls);
    if (opts.text !== undefined && opts.text !== null) node.textContent = String(opts.text);
    if (opts.title) node.setAttribute('title', opts.title);
    for (const [k, v] of Object.entries(opts.data || {})) node.dataset[k] = v === null ? '' : String(v);
  }

  function show(node, visible) {
    node.classList.toggle('hidden', !visible);
  }

  function gradeBadge(grade) {
    return el('span', { cls: 'grade ' + (GRADE_CLASS[grade] || 'grade-none'), text: grade || '—' });
  }

  // ------------------------------------------------------------------ API

  const { ApiError } = KaopingApi;

  /** A URL of this server's API, relative to the page so a reverse proxy's prefix holds. */
  function apiUrl(path, params) {
    const url = new URL(path, document.baseURI);
    for (const [k, v] of Object.entries(params || {})) {
      if (v !== null && v !== undefined && v !== '') url.searchParams.set(k, String(v));
    }
    return url;
  }

  /** Fetches with the token; an error envelope becomes an ApiError. */
  function request(path, params, accept) {
    return KaopingApi.call(apiUrl(path, params), { token: state.token, accept });
  }

  async function api(path, params) {
    const resp = await request(path, params);
    return resp.json();
  }

  // ------------------------------------------------------------------ messages

  function clearMessages() {
    $('message').replaceChildren();
    show($('message'), false);
  }

  function hintFor(err) {
    if (err.status === 401) return state.token ? '令牌无效或已撤销。' : '该批次结果未公开，请输入令牌。';
    if (err.status === 403) return '该令牌无权查看此内容。';
    if (err.status === 404) return '未找到：批次不存在或结果尚未公布。';
    return '';
  }

  /** Shows an error in the message box: what failed, the server's message, its code. */
  function report(what, err) {
    const box = $('message');
    const line = el('div', { cls: 'message-line', data: { code: err.code || '' } }, [
      el('strong', { text: what + '：' }),
      el('span', { text: err.message || String(err) }),
      err.code ? el('span', { cls: 'code', text: '（' + err.code + (err.status ? '，HTTP ' + err.status : '') + '）' }) : null,
    ]);
    const hint = err instanceof ApiError ? hintFor(err) : '';
    if (hint) line.append(el('span', { cls: 'hint', text: ' ' + hint }));
    if (err.details !== null && err.details !== undefined && typeof err.details === 'object' && Object.keys(err.details).length) {
      line.append(el('pre', { cls: 'details', text: JSON.stringify(err.details, null, 2) }));
    }
    box.append(line);
    show(box, true);
    if (!(err instanceof ApiError)) console.error(err);
  }

  // ------------------------------------------------------------------ location

  function readLocation() {
    const q = new URLSearchParams(window.location.search);
    const round = q.get('round');
    state.round = round && /^\d+$/.test(round) ? round : null;
    const version = q.get('version');
    state.version = version && /^\d+$/.test(version) ? version : null;
    state.category = q.get('category') || '';
  }

  /** Keeps the address shareable: round, version and category in the query string. */
  function writeLocation() {
    const q = new URLSearchParams();
    if (state.round) q.set('round', state.round);
    if (state.version) q.set('version', state.version);
    if (state.category) q.set('category', state.category);
    const search = q.toString();
    window.history.replaceState(null, '', window.location.pathname + (search ? '?' + search : ''));
  }

  // ------------------------------------------------------------------ loading

  /** Everything again: after start-up and whenever the token changes. */
  async function refresh() {
    clearMessages();
    state.me = null;
    const tokenState = $('token-state');
    tokenState.textContent = state.token ? '已使用令牌' : '未使用令牌（仅公开结果）';
    if (state.token) {
      try {
        state.me = await api('api/v1/me');
        const role = ROLE_NAME[state.me.role] || state.me.role;
        tokenState.textContent = '已使用令牌：' + role + (state.me.department ? ' ' + state.me.department : '');
      } catch (e) {
        report('读取令牌身份', e);
      }
      await loadRoundList();
    } else {
      show($('round-field'), false);
    }
    await loadRound();
  }

  /** The round picker: published rounds the token can list, newest first. */
  async function loadRoundList() {
    let rounds;
    try {
      rounds = await api('api/v1/rounds');
    } catch (e) {
      report('读取考核批次', e);
      show($('round-field'), false);
      return;
    }
    const published = rounds.filter((r) => r.state === 'published').sort((a, b) => b.id - a.id);
    if (!state.round && published.length) state.round = String(published[0].id);
    const picker = $('round-picker');
    picker.replaceChildren();
    for (const r of published) {
      picker.append(el('option', { text: r.year + ' · ' + r.title + '（#' + r.id + '）' }));
      picker.lastChild.value = String(r.id);
    }
    if (state.round && !published.some((r) => String(r.id) === state.round)) {
      picker.append(el('option', { text: '批次 #' + state.round }));
      picker.lastChild.value = state.round;
    }
    if (state.round) picker.value = state.round;
    show($('round-field'), picker.options.length > 0);
  }

  async function loadRound() {
    const ticket = ++state.tickets.round;
    writeLocation();
    show($('hint'), !state.round);
    if (!state.round) {
      show($('results'), false);
      show($('facts'), false);
      show($('own'), false);
      show($('version-field'), false);
      show($('category-field'), false);
      return;
    }
    await Promise.all([loadPublications(ticket), loadRankings(), loadOwn()]);
  }

  async function loadPublications(ticket) {
    let pubs;
    try {
      pubs = await api('api/v1/rounds/' + state.round + '/publications');
    } catch (e) {
      if (ticket === state.tickets.round) {
        show($('version-field'), false);
        // the rankings call reports the same cause (404, 401) already
        if (e.status !== 404 && e.status !== 401) report('读取公布版本', e);
      }
      return;
    }
    if (ticket !== state.tickets.round) return;
    const picker = $('version-picker');
    picker.replaceChildren();
    const sorted = pubs.slice().sort((a, b) => b.version - a.version);
    sorted.forEach((p, i) => {
      const when = formatTime(p.published_at);
      const label = (i === 0 ? '最新：' : '') + '第' + p.version + '版 · ' + when + (p.reason ? ' · ' + p.reason : '');
      picker.append(el('option', { text: label }));
      picker.lastChild.value = i === 0 ? '' : String(p.version);
    });
    picker.value = state.version && sorted.length && String(sorted[0].version) !== state.version ? state.version : '';
    show($('version-field'), sorted.length > 0);
  }

  async function loadRankings() {
    const ticket = ++state.tickets.rankings;
    const table = $('ranking');
    table.dataset.state = 'loading';
    show($('loading'), true);
    let data;
    try {
      data = await api('api/v1/rounds/' + state.round + '/rankings', {
        version: state.version,
        category: state.category,
        limit: 10000,
      });
    } catch (e) {
      if (ticket !== state.tickets.rankings) return;
      table.dataset.state = 'error';
      show($('loading'), false);
      show($('results'), false);
      show($('facts'), false);
      report('读取排名', e);
      return;
    }
    if (ticket !== state.tickets.rankings) return;
    state.rankings = data;
    render(data);
    show($('loading'), false);
    table.dataset.category = data.category || '';
    table.dataset.version = String(data.version);
    table.dataset.state = 'ready';
  }

  /** A department token's own published sheet. */
  async function loadOwn() {
    const ticket = ++state.tickets.own;
    const me = state.me;
    if (!me || me.role !== 'department' || !me.department || !state.round) {
      show($('own'), false);
      return;
    }
    const panel = $('own');
    panel.dataset.state = 'loading';
    let result;
    try {
      result = await api('api/v1/rounds/' + state.round + '/departments/' + encodeURIComponent(me.department) + '/published', {
        version: state.version,
      });
    } catch (e) {
      if (ticket !== state.tickets.own) return;
      show($('own-body'), false);
      $('own-empty').textContent = '本部门（' + me.department + '）的结果无法读取：' + e.message;
      show($('own-empty'), true);
      show(panel, true);
      panel.dataset.state = 'error';
      return;
    }
    if (ticket !== state.tickets.own) return;
    renderOwn(result);
    panel.dataset.state = 'ready';
  }

  // ------------------------------------------------------------------ rendering

  function formatTime(iso) {
    if (!iso) return '—';
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return iso;
    return d.toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });
  }

  function render(data) {
    document.title = data.title + ' · 考核结果';
    $('title').textContent = data.title;
    $('rubric').textContent = data.rubric;
    const latest = data.version === data.latest_version;
    $('published-at').textContent =
      formatTime(data.published_at) + '（第' + data.version + '版' + (latest ? '，最新' : '，最新为第' + data.latest_version + '版') + '）';
    $('tie-rule').textContent =
      (data.tie_rule_description || data.tie_rule) + '：总分相同者名次并列，按部门编码排列；未报送的部门列在最后，不参与排名。';
    renderCutoffs(data.cutoffs || []);
    renderExports(data);
    renderCategories(data);
    renderSummary(data.summary);
    renderGradeChart(data.summary);
    renderItemChart(data.summary);
    renderRanking(data);
    show($('facts'), true);
    show($('results'), true);
  }

  function renderCutoffs(cutoffs) {
    const dd = $('cutoffs');
    dd.replaceChildren();
    cutoffs.forEach((c, i) => {
      const lowest = i === cutoffs.length - 1 && Number(c.min) === 0 && i > 0;
      const range = lowest ? '低于 ' + cutoffs[i - 1].min + ' 分' : c.min + ' 分及以上';
      const item = el('span', { cls: 'cutoff', data: { grade: c.grade, min: c.min } }, [gradeBadge(c.grade), el('span', { text: range })]);
      dd.append(item);
    });
  }

  function exportParams() {
    return { version: state.version, category: state.category };
  }

  function renderExports() {
    for (const [id, ext] of [['export-csv', 'csv'], ['export-xlsx', 'xlsx']]) {
      const a = $(id);
      a.href = apiUrl('api/v1/rounds/' + state.round + '/rankings.' + ext, exportParams()).toString();
      a.dataset.ext = ext;
    }
  }

  /** With a token a plain link would go without the Authorization header: fetch and save. */
  async function download(event) {
    if (!state.token) return;
    event.preventDefault();
    const a = event.currentTarget;
    try {
      const resp = await request('api/v1/rounds/' + state.round + '/rankings.' + a.dataset.ext, exportParams(), '*/*');
      const blob = await resp.blob();
      const disposition = resp.headers.get('Content-Disposition') || '';
      const named = /filename\*=UTF-8''([^;]+)/i.exec(disposition) || /filename="?([^";]+)"?/i.exec(disposition);
      const name = named ? decodeURIComponent(named[1]) : 'rankings-' + state.round + '.' + a.dataset.ext;
      const url = URL.createObjectURL(blob);
      const link = el('a');
      link.href = url;
      link.download = name;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } catch (e) {
      report('导出', e);
    }
  }

  function renderCategories(data) {
    const picker = $('category-filter');
    const current = data.category || '';
    picker.replaceChildren();
    picker.append(el('option', { text: '全部类别' }));
    picker.lastChild.value = '';
    for (const c of data.categories || []) {
      picker.append(el('option', { text: c }));
      picker.lastChild.value = c;
    }
    picker.value = current;
    show($('category-field'), (data.categories || []).length > 0);
  }

  function renderSummary(summary) {
    $('sum-departments').textContent = String(summary.departments);
    $('sum-ranked').textContent = String(summary.ranked);
    $('sum-not-submitted').textContent = String(summary.not_submitted);
    $('sum-average').textContent = summary.average_total === null ? '—' : summary.average_total;
  }

  /** Grade distribution: one horizontal bar per grade, in cut-off order. */
  function renderGradeChart(summary) {
    const grades = summary.grades || [];
    const width = 520;
    const rowH = 34;
    const barX = 56;
    const barMax = 360;
    const most = Math.max(1, ...grades.map((g) => g.count));
    const chart = svg('svg', { viewBox: '0 0 ' + width + ' ' + Math.max(rowH, grades.length * rowH), role: 'img', 'aria-label': '等级分布' });
    grades.forEach((g, i) => {
      const y = i * rowH;
      const cls = GRADE_CLASS[g.grade] || 'grade-none';
      chart.append(svg('text', { x: 0, y: y + 22, class: 'label' }, { text: g.grade }));
      chart.append(svg('rect', { x: barX, y: y + 6, width: barMax, height: 22, rx: 3, class: 'track' }));
      const w = g.count === 0 ? 0 : Math.max(2, (barMax * g.count) / most);
      const bar = svg('rect', { x: barX, y: y + 6, width: w, height: 22, rx: 3, class: 'grade-bar ' + cls }, { data: { grade: g.grade, count: g.count } });
      bar.append(svg('title', {}, { text: g.grade + '：' + g.count + ' 个部门' }));
      chart.append(bar);
      const share = summary.ranked ? ' （' + ((100 * g.count) / summary.ranked).toFixed(1) + '%）' : '';
      chart.append(svg('text', { x: barX + barMax + 10, y: y + 22, class: 'value' }, { text: g.count + ' 个' + share }));
    });
    $('grade-chart').replaceChildren(chart);
  }

  /** Per item: the average kept and lost as shares of the item's maximum, most lost first. */
  function renderItemChart(summary) {
    const items = summary.items || [];
    const width = 620;
    const rowH = 46;
    const chart = svg('svg', { viewBox: '0 0 ' + width + ' ' + Math.max(rowH, items.length * rowH), role: 'img', 'aria-label': '各评分项平均得分与失分' });
    items.forEach((it, i) => {
      const y = i * rowH;
      const max = Number(it.max);
      const kept = max > 0 ? Math.min(1, Math.max(0, Number(it.average) / max)) : 0;
      chart.append(svg('text', { x: 0, y: y + 15, class: 'label' }, { text: it.name }));
      chart.append(
        svg('text', { x: width, y: y + 15, class: 'value', 'text-anchor': 'end' }, {
          text: '平均 ' + it.average + ' / ' + it.max + ' · 失分 ' + it.average_lost + '（' + it.lost_percent + '%）· ' + it.departments_losing + ' 个部门失分',
        }),
      );
      const lost = svg('rect', { x: 0, y: y + 22, width: width, height: 16, rx: 3, class: 'lost' });
      const bar = svg('rect', { x: 0, y: y + 22, width: width * kept, height: 16, rx: 3, class: 'item-bar kept' }, {
        data: { item: it.code, average: it.average, lost: it.average_lost },
      });
      bar.append(svg('title', {}, { text: it.name + '：平均 ' + it.average + ' 分，满分 ' + it.max + ' 分' }));
      chart.append(lost, bar);
    });
    $('item-chart').replaceChildren(chart);
  }

  function renderRanking(data) {
    const tbody = $('ranking').tBodies[0];
    const mine = state.me && state.me.role === 'department' ? state.me.department : null;
    const rows = data.rows.map((row) => {
      const ranked = row.standing === 'ranked';
      const nameCell = el('td', { cls: 'department' }, [
        el('span', { cls: 'name', text: row.name }),
        el('span', { cls: 'code', text: row.department }),
        row.late ? el('span', { cls: 'tag late', text: '逾期报送' }) : null,
      ]);
      const tr = el(
        'tr',
        {
          cls: (ranked ? 'ranked' : 'not-submitted') + (row.department === mine ? ' mine' : ''),
          data: {
            department: row.department,
            rank: row.rank === null ? '' : row.rank,
            total: row.total === null ? '' : row.total,
            grade: row.grade || '',
            standing: row.standing,
            category: row.category,
          },
        },
        [
          el('td', { cls: 'num rank', text: row.rank === null ? '—' : row.rank }),
          nameCell,
          el('td', { cls: 'category', text: row.category }),
          el('td', { cls: 'num total', text: ranked ? row.total : '未报送' }),
          el('td', { cls: 'grade-cell' }, [ranked ? gradeBadge(row.grade) : el('span', { cls: 'muted', text: '—' })]),
        ],
      );
      return tr;
    });
    tbody.replaceChildren(...rows);
    const note = $('rows-note');
    const shown = data.rows.length;
    note.textContent = shown < data.total_rows ? '显示 ' + shown + ' / ' + data.total_rows + ' 个部门，完整名单请导出。' : '';
    show(note, shown < data.total_rows);
  }

  function renderOwn(r) {
    const panel = $('own');
    panel.dataset.department = r.department;
    $('own-title').textContent = '本部门结果：' + r.name;
    $('own-name').textContent = r.name + '（' + r.department + '）';
    const rank = $('own-rank');
    rank.textContent = r.rank === null ? '未排名' : r.rank + ' / ' + r.ranked_of;
    rank.dataset.rank = r.rank === null ? '' : String(r.rank);
    const total = $('own-total');
    total.textContent = r.total === null ? '未报送' : r.total;
    total.dataset.total = r.total === null ? '' : r.total;
    $('own-grade').replaceChildren(r.grade ? gradeBadge(r.grade) : el('span', { text: '—' }));
    $('own-grade').dataset.grade = r.grade || '';
    $('own-category-rank').textContent =
      r.category_rank === null || r.category_rank === undefined ? '—' : r.category + ' 第 ' + r.category_rank + ' 名';
    const items = r.sheet ? r.sheet.items : [];
    const rows = items.map((it) => {
      const deductions = el(
        'ul',
        { cls: 'deductions' },
        (it.deductions || []).map((d) =>
          el('li', {}, [
            el('span', { cls: 'points', text: '−' + d.points }),
            el('span', { text: ' ' + d.reason }),
            d.location ? el('span', { cls: 'location', text: '（' + d.location + '）' }) : null,
          ]),
        ),
      );
      const review = [];
      if (it.judgment) review.push(el('div', { text: '评审 ' + (it.judgment.score === null ? '' : it.judgment.score + ' 分：') + it.judgment.reason }));
      if (it.override) review.push(el('div', { text: '调整为 ' + it.override.score + ' 分：' + it.override.reason }));
      if (it.replaced) {
        // what the correction replaced, apart from the deductions that count
        const was = it.replaced.score === null ? '原自动建议' : '原自动评分 ' + it.replaced.score + ' 分';
        review.push(
          el('div', { cls: 'replaced' }, [
            el('div', { text: '更正前：' + was + '（已不计）' }),
            el(
              'ul',
              { cls: 'deductions replaced' },
              (it.replaced.deductions || []).map((d) => el('li', { text: '原扣 ' + d.points + ' 分：' + d.reason })),
            ),
          ]),
        );
      }
      const full = it.score !== null && Number(it.score) >= Number(it.max);
      return el('tr', { cls: full ? 'full' : 'lost', data: { item: it.code, score: it.score, max: it.max } }, [
        el('td', {}, [el('span', { text: it.name }), el('span', { cls: 'tag', text: STATUS_NAME[it.status] || it.status })]),
        el('td', { cls: 'num', text: (it.score === null ? '—' : it.score) + ' / ' + it.max }),
        el('td', {}, [(it.deductions || []).length ? deductions : el('span', { cls: 'muted', text: '未扣分' })]),
        el('td', {}, review.length ? review : [el('span', { cls: 'muted', text: '—' })]),
      ]);
    });
    $('own-items').tBodies[0].replaceChildren(...rows);
    show($('own-items'), rows.length > 0);
    $('own-empty').textContent = r.sheet ? '' : '本部门未报送，没有评分表。';
    show($('own-empty'), !r.sheet);
    show($('own-body'), true);
    show(panel, true);
  }

  // ------------------------------------------------------------------ events

  function bind() {
    $('token-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const input = $('token');
      state.token = input.value.trim();
      input.value = '';
      if (state.token) sessionStorage.setItem(TOKEN_KEY, state.token);
      else sessionStorage.removeItem(TOKEN_KEY);
      refresh();
    });
    $('token-clear').addEventListener('click', () => {
      state.token = '';
      $('token').value = '';
      sessionStorage.removeItem(TOKEN_KEY);
      refresh();
    });
    $('round-picker').addEventListener('change', (event) => {
      state.round = event.target.value || null;
      state.version = null;
      state.category = '';
      clearMessages();
      loadRound();
    });
    $('version-picker').addEventListener('change', (event) => {
      state.version = event.target.value || null;
      writeLocation();
      clearMessages();
      loadRankings();
      loadOwn();
    });
    $('category-filter').addEventListener('change', (event) => {
      state.category = event.target.value;
      writeLocation();
      clearMessages();
      loadRankings();
    });
    for (const id of ['export-csv', 'export-xlsx']) $(id).addEventListener('click', download);
  }

  function start() {
    state.token = sessionStorage.getItem(TOKEN_KEY) || '';
    readLocation();
    bind();
    refresh();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
