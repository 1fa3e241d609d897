// 考评 · 财政局控制台: the working-day calendar (coverage left, years, importing next year's
// notice with a dry run first) and rubric versions (upload, and a dry run of a version on a
// round). Talks only to this server's /api/v1 with the admin token the user types; the token is
// kept for the tab (sessionStorage) and sent as a bearer header, never in a URL.
'use strict';

(function () {
  const TOKEN_KEY = 'kaoping.console.token';
  const state = { token: sessionStorage.getItem(TOKEN_KEY) || '' };
  const $ = (id) => document.getElementById(id);
  const show = (el, on) => el.classList.toggle('hidden', !on);

  function call(method, path, body) {
    return KaopingApi.call(new URL(path, document.baseURI), { method, body, token: state.token });
  }

  const json = async (method, path, body) => (await call(method, path, body)).json();

  function cell(row, text, cls) {
    const td = document.createElement('td');
    td.textContent = text === null || text === undefined ? '—' : String(text);
    if (cls) td.className = cls;
    row.appendChild(td);
    return td;
  }

  function fill(tableId, rows, build) {
    const body = $(tableId).querySelector('tbody');
    body.replaceChildren();
    for (const r of rows) {
      const tr = document.createElement('tr');
      build(tr, r);
      body.appendChild(tr);
    }
  }

  function say(err) {
    const box = $('message');
    box.replaceChildren();
    if (!err) return show(box, false);
    const line = document.createElement('div');
    const hint = err.status === 401 ? '（请输入有效的管理员令牌）' : err.status === 403 ? '（该令牌不是管理员令牌）' : '';
    line.textContent = err.message + hint;
    box.appendChild(line);
    if (err.details && err.details.field) {
      const d = document.createElement('div');
      d.className = 'code';
      d.textContent = '字段：' + err.details.field + '（' + err.code + '）';
      box.appendChild(d);
    }
    show(box, true);
  }

  function status(s) {
    switch (s.kind) {
      case 'holiday': return '放假（' + s.name + '）';
      case 'workday': return '调休上班';
      case 'ordinary': return s.working ? '工作日' : '周末';
      default: return '未覆盖';
    }
  }

  // ---------------------------------------------------------------- calendar

  async function loadCalendar() {
    const cal = await json('GET', 'api/v1/calendar');
    $('coverage').textContent = cal.coverage_start + ' 至 ' + cal.coverage_end;
    $('days-left').textContent = cal.days_left + ' 天';
    $('revision').textContent = cal.revision === 0 ? '0（仅内置日历）' : String(cal.revision);
    $('coverage-warning').textContent = cal.warning || '';
    show($('coverage-warning'), Boolean(cal.warning));
    fill('years', cal.years.slice().reverse(), (tr, y) => {
      cell(tr, y.year);
      cell(tr, y.revision === null ? '内置' : '导入（版本 ' + y.revision + '）');
      cell(tr, y.holidays.length + ' 天');
      cell(tr, y.workdays.join('、') || '无');
    });
  }

  async function importCalendar(dryRun) {
    say(null);
    const out = await json('POST', 'api/v1/calendar/years', {
      text: $('import-text').value,
      reason: $('import-reason').value,
      dry_run: dryRun,
    });
    const rounds = out.rounds.map((r) => '第 ' + r.round + ' 批').join('、') || '无';
    $('import-summary').textContent = (out.applied
      ? out.year + ' 年已导入，日历版本 ' + out.revision + '。'
      : out.year + ' 年试运行，未保存。') + '状态改变的日期 ' + out.changes.length +
      ' 个；重新评分的批次：' + rounds + '。';
    // new ordinary days are many and say nothing: list holidays, 调休 and real changes
    const notable = out.changes.filter((c) => !(c.before.kind === 'uncovered' && c.after.kind === 'ordinary'));
    fill('import-changes', notable, (tr, c) => {
      cell(tr, c.date);
      cell(tr, status(c.before));
      cell(tr, status(c.after));
    });
    show($('import-result'), true);
    if (out.applied) await loadCalendar();
  }

  // ---------------------------------------------------------------- rubrics

  async function loadRubrics() {
    const versions = await json('GET', 'api/v1/rubrics');
    fill('rubrics', versions, (tr, v) => {
      cell(tr, v.id);
      cell(tr, v.title);
      cell(tr, v.content_hash.slice(0, 16) + '…', 'hash').title = v.content_hash;
      cell(tr, v.built_in ? '内置' : '上传于 ' + v.uploaded_at + '（' + v.uploaded_by + '）');
    });
    const picker = $('trial-rubric');
    picker.replaceChildren(...versions.map((v) => new Option(v.id + ' · ' + v.content_hash.slice(0, 8), v.content_hash)));
    const rounds = await json('GET', 'api/v1/rounds');
    $('trial-round').replaceChildren(...rounds.map((r) => new Option('第 ' + r.id + ' 批 · ' + r.title + '（' + r.rubric + '）', String(r.id))));
  }

  function trialPath() {
    return 'api/v1/rounds/' + encodeURIComponent($('trial-round').value) + '/rubric-trial?rubric_hash=' +
      encodeURIComponent($('trial-rubric').value);
  }

  async function runTrial() {
    say(null);
    const t = await json('GET', trialPath());
    $('trial-summary').textContent = '第 ' + t.round + ' 批：' + t.rubric_before + ' → ' + t.rubric_after +
      '；总分变化的部门 ' + t.changed.length + ' 个（共 ' + t.departments.length + ' 个）。未写入任何数据。';
    fill('trial', t.departments, (tr, d) => {
      if (t.changed.includes(d.department)) tr.className = 'changed';
      cell(tr, d.department + ' ' + d.name);
      cell(tr, d.total_before);
      cell(tr, d.total_after);
      cell(tr, d.grade_before);
      cell(tr, d.grade_after);
      cell(tr, d.rank_before);
      cell(tr, d.rank_after);
      const items = d.items.map((i) => i.item + ' ' + (i.before ?? '—') + '→' + (i.after ?? '—'));
      cell(tr, (items.join('；') || '—') + (d.error ? '；无法评分：' + d.error : ''));
    });
    show($('trial-result'), true);
  }

  async function downloadCsv() {
    say(null);
    const resp = await call('GET', trialPath() + '&format=csv');
    const url = URL.createObjectURL(await resp.blob());
    const a = document.createElement('a');
    a.href = url;
    a.download = 'round-' + $('trial-round').value + '-rubric-trial.csv';
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  // ---------------------------------------------------------------- wiring

  const guarded = (f) => (e) => {
    if (e) e.preventDefault();
    f().catch(say);
  };

  async function refresh() {
    $('token-state').textContent = state.token ? '已使用令牌' : '未使用令牌';
    say(null);
    await loadCalendar();
    await loadRubrics();
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('token').value = state.token;
    $('token-form').addEventListener('submit', guarded(async () => {
      state.token = $('token').value.trim();
      sessionStorage.setItem(TOKEN_KEY, state.token);
      await refresh();
    }));
    $('import-form').addEventListener('submit', guarded(() => importCalendar(false)));
    $('import-dry').addEventListener('click', guarded(() => importCalendar(true)));
    $('upload-form').addEventListener('submit', guarded(async () => {
      await json('POST', 'api/v1/rubrics', { source: $('upload-source').value });
      await loadRubrics();
    }));
    $('trial-form').addEventListener('submit', guarded(runTrial));
    $('trial-csv').addEventListener('click', guarded(downloadCsv));
    if (state.token) refresh().catch(say);
  });
})();
