// The report page of `lossbench report`: draws every chart and table from the JSON block
// #lossbench-data that host/cli/cmd_report.cpp writes (host/analysis/report.cpp says what each
// table holds). Tables and text are built at load; charts (no animation) right after, those in
// view first, so a headless browser's DOM dump with a virtual-time budget shows the finished page.
// #render-status says how many charts drew, in how long, and lists any error.
'use strict';
(function () {
  const started = performance.now();
  const errors = [];
  window.addEventListener('error', (e) => errors.push(String(e.message)));
  let charts = 0, diagrams = 0;

  const data = JSON.parse(document.getElementById('lossbench-data').textContent);
  const rows = (t) => t.rows.map((r) => Object.fromEntries(t.columns.map((c, i) => [c, r[i]])));
  const groupBy = (list, key) => {
    const m = new Map();
    for (const x of list) {
      const k = key(x);
      if (!m.has(k)) m.set(k, []);
      m.get(k).push(x);
    }
    return m;
  };

  // ---- formatting -------------------------------------------------------------------------
  const num = (v, digits = 4) => {
    if (v === null || v === undefined || !isFinite(v)) return '–';
    if (v !== 0 && (Math.abs(v) >= 1e6 || Math.abs(v) < 1e-4)) return v.toExponential(digits - 1);
    return String(Number(v.toPrecision(digits)));
  };
  const seconds = (s) => {
    if (!isFinite(s)) return '–';
    if (s < 90) return s.toFixed(1) + ' s';
    if (s < 5400) return (s / 60).toFixed(1) + ' min';
    return (s / 3600).toFixed(2) + ' h';
  };
  // A file's dataset by its name and query, as `top` shows it.
  const shortDataset = (spec) => {
    for (const scheme of ['csv:', 'libsvm:']) {
      if (!spec.startsWith(scheme)) continue;
      const rest = spec.slice(scheme.length), q = rest.indexOf('?');
      const path = q < 0 ? rest : rest.slice(0, q), query = q < 0 ? '' : rest.slice(q);
      return path.split('/').pop() + query;
    }
    return spec;
  };

  // ---- elements ---------------------------------------------------------------------------
  const el = (tag, attrs, ...children) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else e.setAttribute(k, v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  };
  // cols: [{head, get(row) -> text or Node, num: right-aligned, cls}], rowClass(row) -> class
  const table = (cols, list, rowClass) =>
    el('table', {},
      el('thead', {}, el('tr', {}, cols.map((c) => el('th', { class: c.num ? 'num' : '' }, c.head)))),
      el('tbody', {}, list.map((r) => el('tr', { class: rowClass ? rowClass(r) : '' },
        cols.map((c) => el('td', { class: (c.num ? 'num ' : '') + (c.cls || '') }, c.get(r)))))));
  const section = (id) => document.querySelector('#' + id + ' > .body');
  const note = (text) => el('p', { class: 'note' }, text);
  // A section's body with its opening note, or null (after saying so) when it has nothing to show.
  const opening = (id, empty, whenEmpty, text) => {
    const body = section(id);
    body.append(note(empty ? whenEmpty : text));
    return empty ? null : body;
  };

  // ---- colours: one per loss (and per optimizer where optimizers are the lines), everywhere --
  // Tableau's ten, then black and magenta: the twelve built-in losses get twelve distinct colours.
  const palette = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2',
    '#17becf', '#7f7f7f', '#bcbd22', '#111111', '#c71585', '#393b79', '#637939', '#843c39',
    '#5254a3'];
  const dashes = [[], [6, 3], [2, 2], [8, 3, 2, 3], [1, 3], [10, 4], [4, 2, 1, 2], [12, 2]];
  const leaderboard = rows(data.leaderboard);
  const colourOf = (() => {
    const names = {
      loss: [...new Set(leaderboard.map((r) => r.loss))].sort(),
      optimizer: [...new Set(leaderboard.map((r) => r.optimizer))].sort(),
    };
    return (kind, name) => {
      const i = names[kind].indexOf(name);
      return palette[(i < 0 ? names[kind].length : i) % palette.length];
    };
  })();
  const dashOf = (() => {
    const names = [...new Set(leaderboard.map((r) => r.optimizer))].sort();
    return (name) => dashes[Math.max(0, names.indexOf(name)) % dashes.length];
  })();
  const alpha = (hex, a) => {
    const n = parseInt(hex.slice(1), 16);
    return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${a})`;
  };

  // ---- charts -----------------------------------------------------------------------------
  Chart.defaults.animation = false;
  Chart.defaults.responsiveAnimationDuration = 0;
  Chart.defaults.font.family = 'system-ui, "DejaVu Sans", sans-serif';
  Chart.defaults.font.size = 11;
  Chart.defaults.color = '#2b3245';
  Chart.defaults.plugins.legend.labels.boxWidth = 14;
  Chart.defaults.plugins.legend.labels.boxHeight = 2;
  // Marks a canvas once Chart.js has drawn it: what the browser test counts.
  Chart.register({
    id: 'drawn',
    afterRender(chart) { chart.canvas.dataset.drawn = '1'; },
  });
  // Log scale where the values span decades and are all positive.
  const scaleType = (values) => {
    const v = values.filter((x) => x !== null && isFinite(x));
    if (!v.length || v.some((x) => x <= 0)) return 'linear';
    return Math.max(...v) / Math.min(...v) >= 30 ? 'logarithmic' : 'linear';
  };
  // Labels at 1, 2 and 5 times a power of ten: within a decade there is still a label to read.
  const logTicks = {
    callback(value) {
      const m = value / Math.pow(10, Math.floor(Math.log10(value) + 1e-9));
      return [1, 2, 5].some((k) => Math.abs(m - k) < 1e-6) ? num(value, 2) : '';
    },
  };
  // Epochs are whole: no tick at 0.5 of one.
  const axis = (title, type, extra) => Object.assign({
    type, title: { display: true, text: title },
    ticks: type === 'logarithmic' ? logTicks : title.startsWith('epoch') ? { precision: 0 } : {},
  }, extra || {});
  // A chart in a figure: title above, caption below; config is Chart.js's.
  // height: of the chart's box in px (default: the stylesheet's), for a legend of many lines.
  const chart = (parent, title, config, caption, height) => {
    // What a screen reader says (and the browser test reads): each line's last point.
    const last = config.data.datasets.filter((d) => !d.band).map((d) => {
      const p = [...d.data].reverse().find((q) => q.y !== null && isFinite(q.y));
      return p ? `${d.label}: ${num(p.y)} at ${num(p.x)}` : null;
    }).filter((x) => x);
    const canvas = el('canvas', { role: 'img', 'aria-label': `${title}. Last points: ${last.join('; ')}` });
    const fig = el('figure', {}, el('div', { class: 'chart-title' }, title),
      el('div', { class: 'chart', style: height ? `height:${height}px` : '' }, canvas),
      caption ? el('figcaption', {}, caption) : null);
    parent.append(fig);
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false, parsing: false,
      normalized: true, spanGaps: true, interaction: { mode: 'nearest', intersect: false },
      elements: { point: { radius: 0, hitRadius: 6 }, line: { borderWidth: 1.8, tension: 0 } } },
    config.options);
    const item = { canvas, config, title, done: false };
    queue.push(item);
    if (observer) {
      canvas.lossbenchChart = item;
      observer.observe(canvas);
    }
    charts++;
  };
  // Hundreds of charts (a large sweep) take seconds to draw: they are queued, drawn as they come
  // into view, and the rest in page order a slice at a time, so the first screen is up at once
  // and the page answers scrolling while the others draw.
  const queue = [];
  const drawChart = (item) => {
    if (item.done) return;
    item.done = true;
    try {
      new Chart(item.canvas, item.config);
    } catch (e) {
      errors.push(`chart "${item.title}": ${e && e.message ? e.message : e}`);
    }
  };
  const observer = 'IntersectionObserver' in window ? new IntersectionObserver((seen) => {
    for (const s of seen) {
      if (!s.isIntersecting) continue;
      observer.unobserve(s.target);
      drawChart(s.target.lossbenchChart);
    }
  }, { rootMargin: '300px' }) : null;
  // Mean lines with a min-max band: the band is two borderless datasets filled between.
  const bandDatasets = (label, colour, points, dash) => [
    { label: label + ' min', data: points.map((p) => ({ x: p.x, y: p.lo })), borderWidth: 0,
      pointRadius: 0, fill: false, band: true },
    { label: label + ' max', data: points.map((p) => ({ x: p.x, y: p.hi })), borderWidth: 0,
      pointRadius: 0, fill: '-1', backgroundColor: alpha(colour, 0.16), band: true },
    { label, data: points.map((p) => ({ x: p.x, y: p.y })), borderColor: colour,
      backgroundColor: colour, borderDash: dash || [] },
  ];
  const legend = (position) => ({
    position: position || 'right',
    labels: { filter: (item, d) => !d.datasets[item.datasetIndex].band },
  });
  const bandTooltip = { filter: (item) => !item.dataset.band };

  // ---- 1. summary -------------------------------------------------------------------------
  const summary = () => {
    const body = section('summary');
    const statuses = rows(data.statuses);
    const total = statuses.reduce((s, r) => s + r.trials, 0);
    const perMin = data.wall_seconds > 0 ? data.finished / (data.wall_seconds / 60) : null;
    body.append(table([{ head: 'database', get: (r) => r[0] }, { head: '', get: (r) => r[1] }], [
      ['file', data.db],
      ['trials', `${total} (${data.finished} finished)`],
      // The sweeps' times are whole seconds: a span of 0 is under a second, no rate to tell.
      ['wall time', (data.wall_seconds > 0 ? seconds(data.wall_seconds) : 'under 1 s') + ' over ' +
        data.sweeps.rows.length +
        (data.sweeps.rows.length === 1 ? ' sweep' : ' sweeps')],
      ['trials / min', perMin === null ? '–' : num(perMin, 3)],
      ['report', `lossbench ${data.lossbench}, ${data.generated_at}`],
    ]));
    body.append(el('h3', {}, 'Trials by status'));
    body.append(table([
      { head: 'status', get: (r) => r.status },
      { head: 'trials', get: (r) => r.trials, num: true },
      { head: 'training time', get: (r) => seconds(r.seconds), num: true },
    ], statuses));
    body.append(el('h3', {}, 'Sweeps'));
    const sweeps = rows(data.sweeps);
    body.append(table([
      { head: '#', get: (r) => r.id, num: true },
      { head: 'started', get: (r) => r.started_at },
      { head: 'ended', get: (r) => r.ended_at || 'running or killed' },
      { head: 'trials', get: (r) => r.trials, num: true },
      { head: 'skipped cells', get: (r) => r.skipped, num: true },
      { head: 'host version', get: (r) => r.host_version },
      { head: 'machine', get: (r) => r.machine },
    ], sweeps));
    for (const s of sweeps)
      body.append(el('details', {}, el('summary', {}, `spec of sweep #${s.id}`),
        el('pre', {}, s.spec)));
    body.append(el('h3', {}, 'Plugins'));
    body.append(table([
      { head: 'kind', get: (r) => r.kind },
      { head: 'name', get: (r) => r.name },
      { head: 'sha256', get: (r) => el('code', { title: r.sha256 }, r.sha256.slice(0, 16)) },
      { head: 'abi', get: (r) => r.abi },
    ], rows(data.plugins)));
  };

  // ---- 2. per dataset ---------------------------------------------------------------------
  const entries = rows(data.entries);
  const curvesByProblem = groupBy(rows(data.curves), (r) => r.problem);
  const lrByProblem = groupBy(rows(data.lr), (r) => r.problem);
  const problems = groupBy(leaderboard, (r) => r.problem);
  const anchor = (text) => 'p-' + text.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 80);

  const problemHeading = (first) => {
    let budget = `${first.epochs} epochs, batch ${first.batch_size}`;
    if (first.schedule !== 'constant') budget += ', ' + first.schedule;
    return `${first.model} | ${budget} | ${first.metric}, ` +
      (first.higher_is_better ? 'higher is better' : 'lower is better');
  };
  // loss@sha where two builds of a plugin share a problem, as `top` names them.
  const cellNames = (list) => {
    const seen = new Map();
    for (const r of list) seen.set(r.loss + '/' + r.optimizer, (seen.get(r.loss + '/' + r.optimizer) || 0) + 1);
    return (r) => seen.get(r.loss + '/' + r.optimizer) > 1
      ? [r.loss + '@' + (r.loss_sha256 || '').slice(0, 6), r.optimizer + '@' + (r.optimizer_sha256 || '').slice(0, 6)]
      : [r.loss, r.optimizer];
  };

  const leaderboardTable = (list) => {
    const names = cellNames(list);
    const anyTuned = list.some((r) => r.tuned);
    const cols = [
      { head: '', get: (r) => r.marks, cls: 'marks' },
      { head: 'loss', get: (r) => el('span', {}, el('span', { class: 'legend-key',
        style: 'background:' + colourOf('loss', r.loss) }), names(r)[0]) },
      { head: 'optimizer', get: (r) => names(r)[1] },
      { head: 'lr', get: (r) => num(r.lr), num: true },
    ];
    if (anyTuned) cols.push({ head: 'tuned', get: (r) => r.tuned || '' });
    cols.push(
      { head: 'seeds', get: (r) => `${r.seeds_done}/${r.seeds_planned}`, num: true },
      { head: 'val', get: (r) => num(r.val_mean), num: true, cls: 'val' },
      { head: 'test', get: (r) => num(r.test_mean), num: true, cls: 'test' },
      { head: '±95% CI', get: (r) => r.test_ci_low === null ? '' : '±' + num((r.test_ci_high - r.test_ci_low) / 2, 2), num: true },
    );
    return table(cols, list, (r) => (r.is_best ? 'best' : ''));
  };

  const curveCharts = (grid, list, first) => {
    const curves = curvesByProblem.get(first.problem) || [];
    if (!curves.length) return;
    const config = new Map(list.map((r) => [r.config_id, r]));
    const entryOf = new Map(entries.filter((e) => e.problem === first.problem).map((e) => [e.loss, config.get(e.config_id)]));
    const byLoss = groupBy(curves, (r) => r.loss);
    const label = (loss) => {
      const r = entryOf.get(loss);
      return r ? `${loss} (${r.optimizer}, lr ${num(r.lr)}${r.tuned ? ', ' + r.tuned : ''})` : loss;
    };
    const seedsNote = 'mean over finished seeds, band: min to max';
    for (const [what, key, yTitle] of [
      ['validation ' + first.metric, 'val', first.metric + ' (validation)'],
      ['training loss', 'train', 'training loss (own units)']]) {
      const all = curves.flatMap((r) => [r[key], r[key + '_lo'], r[key + '_hi']]);
      const yType = scaleType(all);
      for (const [xKey, xTitle] of [['epoch', 'epoch'], ['seconds', 'seconds (mean wall clock)']]) {
        const datasets = [];
        for (const [loss, pts] of byLoss)
          datasets.push(...bandDatasets(label(loss), colourOf('loss', loss),
            pts.map((p) => ({ x: p[xKey], y: p[key], lo: p[key + '_lo'], hi: p[key + '_hi'] }))));
        chart(grid, `${what} against ${xKey === 'epoch' ? 'epochs' : 'seconds'}`, {
          type: 'line', data: { datasets },
          options: { scales: { x: axis(xTitle, 'linear'), y: axis(yTitle, yType) },
            plugins: { legend: legend('bottom'), tooltip: bandTooltip } },
        }, `each loss at its tuned configuration; ${seedsNote}`, 250 + 18 * Math.ceil(byLoss.size / 3));
      }
    }
  };

  const lrChart = (grid, first) => {
    const list = lrByProblem.get(first.problem) || [];
    const lrs = new Set(list.map((r) => r.lr));
    if (lrs.size < 2) return;
    const datasets = [];
    for (const [key, pts] of groupBy(list, (r) => r.loss + ' / ' + r.optimizer)) {
      const colour = colourOf('loss', pts[0].loss);
      datasets.push({ label: key, data: pts.filter((p) => p.val !== null).map((p) => ({ x: p.lr, y: p.val })),
        borderColor: colour, backgroundColor: colour, borderDash: dashOf(pts[0].optimizer),
        pointRadius: 2.5 });
    }
    // Below the plot, four names a row: a legend at the side would clip a long list.
    chart(grid, 'learning-rate sensitivity', {
      type: 'line', data: { datasets },
      options: { scales: { x: axis('learning rate', 'logarithmic'),
        y: axis(first.metric + ' (validation, final)', scaleType(list.map((r) => r.val))) },
      plugins: { legend: legend('bottom') } },
    }, 'final validation metric, mean over seeds, best over the other hyperparameters at each lr; ' +
       'colour: loss, dash: optimizer', 300 + 20 * Math.ceil(datasets.length / 4));
  };

  // Tuned test metric per loss (rows) and optimizer (columns); darker is better on this problem.
  const heatmap = (parent, list, first) => {
    const names = cellNames(list);
    const losses = [...new Set(list.map((r) => names(r)[0]))].sort();
    const opts = [...new Set(list.map((r) => names(r)[1]))].sort();
    if (losses.length < 2 && opts.length < 2) return;
    const cell = new Map(list.map((r) => [names(r).join('\n'), r]));
    const values = list.map((r) => r.test_mean).filter((v) => v !== null);
    const lo = Math.min(...values), hi = Math.max(...values);
    const goodness = (v) => {
      if (hi === lo) return 1;
      const t = (v - lo) / (hi - lo);
      return first.higher_is_better ? t : 1 - t;
    };
    const shade = (g) => {
      const l = 96 - 58 * g;  // lightness: worst pale, best dark
      return `background:hsl(168,55%,${l}%);color:${l < 60 ? '#fff' : '#1d2330'}`;
    };
    parent.append(el('figure', {},
      el('div', { class: 'chart-title' }, `tuned test ${first.metric}: loss x optimizer`),
      el('table', { class: 'heatmap' },
        el('thead', {}, el('tr', {}, el('th', {}, 'loss \\ optimizer'), opts.map((o) => el('th', { class: 'num' }, o)))),
        el('tbody', {}, losses.map((l) => el('tr', {}, el('th', { class: 'row' }, l), opts.map((o) => {
          const r = cell.get(l + '\n' + o);
          if (!r || r.test_mean === null) return el('td', { style: 'color:#999' }, '–');
          return el('td', { style: shade(goodness(r.test_mean)), title: `${l} / ${o}: lr ${num(r.lr)} ${r.tuned || ''}` },
            (r.marks ? r.marks + ' ' : '') + num(r.test_mean));
        }))))),
      el('figcaption', {}, 'test mean at each cell\'s tuned configuration; darker is better here; marks as in the leaderboard')));
  };

  const perDataset = () => {
    const body = opening('datasets', !leaderboard.length, 'No finished trial yet.',
      'Marks: * best test mean; = tied with the best (paired t-test over seeds, ' +
      'p ≥ 0.05); ? too few paired seeds to tell; ~ partial: trials of this cell still pending; ^ chosen lr or hyperparameter ' +
      'at the edge of its grid of 3 or more (widen it); ! some seed diverged or failed. ' +
      'Each loss and optimizer is at its tuned configuration: the lr and hyperparameters with ' +
      'the best mean validation metric over seeds, reported on test.');
    if (!body) return;
    const toc = document.getElementById('toc');
    for (const [dataset, list] of groupBy(leaderboard, (r) => r.dataset)) {
      const id = anchor(dataset);
      body.append(el('h3', { id }, shortDataset(dataset)));
      toc.append(el('a', { href: '#' + id }, shortDataset(dataset)));
      for (const [, plist] of groupBy(list, (r) => r.problem)) {
        const first = plist[0];
        body.append(el('h4', {}, problemHeading(first)));
        body.append(leaderboardTable(plist));
        const grid = el('div', { class: 'grid' });
        body.append(grid);
        curveCharts(grid, plist, first);
        lrChart(grid, first);
        heatmap(grid, plist, first);
      }
    }
  };

  // ---- 3. across datasets -----------------------------------------------------------------
  const stepChart = (parent, title, list, xKey, yKey, kind, xAxis, yTitle, caption) => {
    const datasets = [];
    for (const [entry, pts] of groupBy(list, (r) => r.entry))
      datasets.push({ label: entry, data: pts.map((p) => ({ x: p[xKey], y: p[yKey] })), stepped: 'before',
        borderColor: colourOf(kind, entry), backgroundColor: colourOf(kind, entry) });
    chart(parent, title, { type: 'line', data: { datasets },
      options: { scales: { x: xAxis, y: axis(yTitle, 'linear', { min: 0, max: 1 }) },
        plugins: { legend: legend('right') } } }, caption);
  };

  // Demšar's critical-difference diagram: mean ranks on an axis (1 = best, on the left), lines
  // to the names, and bars joining entries whose mean ranks are within the Nemenyi CD.
  const cdDiagram = (group) => {
    const k = group.entries.length;
    const half = Math.ceil(k / 2);
    const width = 760, left = 170, right = width - 170, top = 54, rowH = 20;
    const height = top + 30 + half * rowH + 10;
    const x = (r) => left + (right - left) * (k > 1 ? (r - 1) / (k - 1) : 0.5);
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('class', 'cd');
    svg.setAttribute('width', width);
    svg.setAttribute('height', height);
    svg.setAttribute('role', 'img');
    const add = (tag, attrs, text) => {
      const e = document.createElementNS(ns, tag);
      for (const [a, v] of Object.entries(attrs)) e.setAttribute(a, v);
      if (text !== undefined) e.textContent = text;
      svg.append(e);
      return e;
    };
    add('line', { x1: x(1), x2: x(k), y1: top, y2: top, stroke: '#333' });
    for (let r = 1; r <= k; r++) {
      add('line', { x1: x(r), x2: x(r), y1: top - 5, y2: top, stroke: '#333' });
      add('text', { x: x(r), y: top - 9, 'text-anchor': 'middle' }, r);
    }
    const significant = group.friedman_p !== null && group.friedman_p < 0.05 && group.cd !== null;
    if (group.cd !== null && k > 1) {
      // A CD wider than the whole axis (few problems) is drawn to the axis' end and said so.
      const wider = group.cd > k - 1;
      const w = (right - left) * Math.min(group.cd, k - 1) / (k - 1);
      add('line', { x1: left, x2: left + w, y1: 16, y2: 16, stroke: '#b00020', 'stroke-width': 2 });
      add('text', { x: wider ? left : left + w + 6, y: wider ? 32 : 20 },
        `CD = ${num(group.cd, 3)}` + (wider ? ': wider than the whole range of ranks' : ''));
    }
    group.entries.forEach((e, i) => {
      const onLeft = i < half;
      const y = top + 28 + (onLeft ? i : k - 1 - i) * rowH;
      const xe = x(e.mean_rank), xt = onLeft ? left - 10 : right + 10;
      const colour = colourOf(group.by, e.name);
      add('polyline', { points: `${xe},${top} ${xe},${y} ${xt},${y}`, fill: 'none', stroke: colour, 'stroke-width': 1.4 });
      add('text', { x: onLeft ? xt - 4 : xt + 4, y: y + 4, 'text-anchor': onLeft ? 'end' : 'start' },
        `${e.name} ${num(e.mean_rank, 3)}`);
    });
    // Cliques: each maximal run of entries (best first) within the CD of its first member; with no
    // significant Friedman test, one bar over all (nothing differs).
    const ranks = group.entries.map((e) => e.mean_rank);
    const cliques = [];
    if (!significant) {
      if (k > 1) cliques.push([0, k - 1]);
    } else {
      let last = 0;
      for (let i = 0; i < k; i++) {
        let j = i;
        while (j + 1 < k && ranks[j + 1] - ranks[i] <= group.cd) j++;
        if (j > i && j > last) { cliques.push([i, j]); last = j; }
      }
    }
    cliques.forEach(([i, j], n) => {
      const y = top + 8 + n * 5;
      add('line', { x1: x(ranks[i]) - 3, x2: x(ranks[j]) + 3, y1: y, y2: y, stroke: '#111', 'stroke-width': 3 });
    });
    diagrams++;
    return svg;
  };

  const across = () => {
    const body = section('across');
    const profile = groupBy(rows(data.profile), (r) => r.by);
    const ecdf = groupBy(rows(data.ecdf), (r) => r.by);
    for (const by of ['loss', 'optimizer']) {
      const plural = by === 'loss' ? 'losses' : 'optimizers';
      body.append(el('h3', {}, `${by === 'loss' ? 'Losses' : 'Optimizers'} across problems`));
      const grid = el('div', { class: 'grid' });
      body.append(grid);
      if (profile.has(by))
        stepChart(grid, `performance profile of ${plural}: epochs to within 5% of the best`,
          profile.get(by), 'tau', 'by_epochs', by,
          axis('τ: epochs relative to the fastest entry on the problem', 'logarithmic'),
          'fraction of problems',
          'Dolan and Moré: the fraction of problems where the entry (at its tuned configuration, ' +
          'mean over seeds) gets within 5% of the best validation value within τ times the ' +
          'fastest entry\'s epochs; higher and further left is better');
      if (ecdf.has(by))
        stepChart(grid, `ECDF of (problem, target, seed) runs reached: ${plural}`, ecdf.get(by),
          'epoch', 'fraction', by, axis('epoch budget', 'linear'), 'fraction of runs',
          'COCO-style: the fraction of (problem, target, seed) runs whose validation metric came ' +
          'within the target (1, 2, 5, 10, 20% of the problem\'s best) by that epoch');
      for (const g of data.ranks[by] || []) {
        g.by = by;
        body.append(el('h4', {}, `Mean ranks of ${plural}: ${g.task}, ${g.metric} ` +
          `(${g.problems} problem${g.problems === 1 ? '' : 's'}` +
          (g.left_out ? `, ${g.left_out} left out: not every entry has a result there` : '') + ')'));
        if (!g.problems) continue;
        const p = g.friedman_p === null ? 'no Friedman test (needs 2 entries and 2 problems)'
          : `Friedman p = ${num(g.friedman_p, 3)}` + (g.friedman_p < 0.05
            ? `: ranks differ; bars join entries within the Nemenyi critical difference (CD = ${num(g.cd, 3)})`
            : ': no significant difference in ranks (one bar joins all)');
        body.append(el('figure', {}, cdDiagram(g),
          el('figcaption', {}, `Critical-difference diagram (Demšar 2006): mean rank by test mean, 1 = best. ${p}.`)));
        body.append(table([
          { head: by, get: (e) => e.name },
          { head: 'mean rank', get: (e) => num(e.mean_rank, 3), num: true },
          { head: 'wins', get: (e) => e.wins, num: true },
          { head: 'p vs best (Wilcoxon, Holm)', get: (e) => num(e.p_vs_best, 2), num: true },
          { head: 'within CD of the best', get: (e) => (e.within_cd ? 'yes' : 'no') },
        ], g.entries));
      }
    }
  };

  // ---- 4. gradients -----------------------------------------------------------------------
  const gradients = () => {
    const list = rows(data.gradients);
    const body = opening('gradients', !list.length, 'No layer gradient norms recorded.',
      'Per layer (1 = the input layer), the gradient norm of the last minibatch ' +
      'before each evaluation (epoch 0: of the first 512 training rows): the geometric mean over ' +
      'datasets, losses at their tuned configuration, and finished seeds. Vanishing gradients ' +
      'show as first layers far below the last; exploding ones as norms that climb.');
    if (!body) return;
    const grid = el('div', { class: 'grid' });
    body.append(grid);
    for (const [model, pts] of groupBy(list, (r) => r.model)) {
      const layers = groupBy(pts, (r) => r.layer);
      const n = layers.size;
      const datasets = [];
      for (const [layer, lp] of layers) {
        const hue = n > 1 ? 250 - 210 * (layer / (n - 1)) : 250;
        const colour = `hsl(${hue},70%,${40 + 10 * (layer % 2)}%)`;
        datasets.push({ label: `layer ${layer + 1}` + (layer === n - 1 ? ' (output)' : ''),
          data: lp.map((p) => ({ x: p.epoch, y: p.norm })), borderColor: colour, backgroundColor: colour });
      }
      chart(grid, `gradient norm per layer: ${model}`, { type: 'line', data: { datasets },
        options: { scales: { x: axis('epoch', 'linear'),
          y: axis('gradient norm (log)', 'logarithmic') }, plugins: { legend: legend('right') } } });
    }
  };

  // ---- 5. calibration ---------------------------------------------------------------------
  const calibration = () => {
    const body = section('calibration');
    const grid = el('div', { class: 'grid' });
    for (const [problem, curves] of curvesByProblem) {
      const withEce = curves.filter((r) => r.ece !== null);
      if (!withEce.length || !problems.has(problem)) continue;
      const first = problems.get(problem)[0];
      const datasets = [];
      for (const [loss, pts] of groupBy(withEce, (r) => r.loss))
        datasets.push({ label: loss, data: pts.map((p) => ({ x: p.epoch, y: p.ece })),
          borderColor: colourOf('loss', loss), backgroundColor: colourOf('loss', loss) });
      chart(grid, `ECE: ${shortDataset(first.dataset)} | ${first.model}`, { type: 'line',
        data: { datasets }, options: { scales: { x: axis('epoch', 'linear'),
          y: axis('expected calibration error (validation)', 'linear', { min: 0 }) },
        plugins: { legend: legend('right') } } });
    }
    if (!grid.childElementCount) {
      body.append(note('No classification problem: ECE applies to classification only.'));
      return;
    }
    body.append(note('Expected calibration error (15 bins) of the validation split against ' +
      'epochs, each loss at its tuned configuration, mean over finished seeds: lower is better ' +
      'calibrated.'));
    body.append(grid);
  };

  // ---- 6. failures ------------------------------------------------------------------------
  const failures = () => {
    const list = rows(data.failures);
    const body = opening('failures', !list.length, 'No trial diverged, failed, timed out or crashed.',
      `${data.failures_total} trials diverged, failed, timed out or crashed` +
      (data.failures_total > list.length ? `; the first ${list.length} below (lossbench status ` +
        'DB --format json lists every one).' : '.'));
    if (!body) return;
    body.append(table([
      { head: 'trial', get: (r) => r.trial_id, num: true },
      { head: 'status', get: (r) => r.status },
      { head: 'dataset', get: (r) => shortDataset(r.dataset) },
      { head: 'model', get: (r) => r.model },
      { head: 'loss', get: (r) => r.loss },
      { head: 'optimizer', get: (r) => r.optimizer },
      { head: 'lr', get: (r) => num(r.lr), num: true },
      { head: 'seed', get: (r) => r.seed, num: true },
      { head: 'step', get: (r) => (r.diverged_step === null ? '' : r.diverged_step), num: true },
      { head: 'message', get: (r) => r.message || '', cls: 'msg' },
    ], list));
  };

  // ---- 7. against a baseline (report --baseline) ------------------------------------------
  const baseline = () => {
    const b = data.baseline;
    const body = section('baseline');
    body.append(note(`${b.matched} configurations finished in both this database and ${b.db} ` +
      '(matched on everything but plugin builds and host version): ' +
      `${b.better} significantly better here, ${b.worse} significantly worse, the rest not ` +
      'distinguishable (paired 95% t interval of the test difference over the seeds both ' +
      'finished; with a constant difference, the sign test). Below: the configurations this ' +
      'database\'s leaderboard tuned, largest differences first.'));
    const list = rows(b.tuned);
    if (!list.length) return;
    // Signed so that positive is better, whatever the metric's direction.
    const gain = (r) => (r.higher_is_better ? 1 : -1) * r.diff;
    list.sort((x, y) => Math.abs(gain(y)) - Math.abs(gain(x)));
    body.append(table([
      { head: 'dataset', get: (r) => shortDataset(r.dataset) },
      { head: 'model', get: (r) => r.model },
      { head: 'loss', get: (r) => r.loss },
      { head: 'optimizer', get: (r) => r.optimizer },
      { head: 'lr', get: (r) => num(r.lr), num: true },
      { head: 'tuned', get: (r) => r.tuned || '' },
      { head: 'metric', get: (r) => r.metric + (r.higher_is_better ? ' ↑' : ' ↓') },
      { head: 'pairs', get: (r) => r.seeds, num: true },
      { head: 'baseline', get: (r) => num(r.baseline), num: true },
      { head: 'here', get: (r) => num(r.new), num: true },
      { head: 'here − baseline', get: (r) => num(r.diff, 3), num: true },
      { head: '95% CI', get: (r) => (r.ci_low === null ? '' : `${num(r.ci_low, 3)} to ${num(r.ci_high, 3)}`), num: true },
    ], list));
  };

  // One section's error must not hide the others: it is shown there and counted in the status.
  const parts = [['summary', summary], ['datasets', perDataset], ['across', across],
    ['gradients', gradients], ['calibration', calibration], ['failures', failures]];
  if (data.baseline) parts.push(['baseline', baseline]);
  for (const [id, draw] of parts) {
    try {
      draw();
    } catch (e) {
      errors.push(`${id}: ${e && e.message ? e.message : e}`);
      section(id).append(el('p', { class: 'section-error' }, `This section failed to draw: ${e}`));
    }
  }
  // Chart.js draws a chart whose box is not laid out yet on its first resize, after this script:
  // the status waits for every canvas (up to 10 s) before it says what drew.
  const finish = (tries) => {
    const drawn = document.querySelectorAll('canvas[data-drawn]').length;
    if (drawn < charts && tries > 0) {
      setTimeout(() => finish(tries - 1), 50);
      return;
    }
    const status = document.getElementById('render-status');
    status.textContent = `rendered ${drawn} of ${charts} charts and ${diagrams} diagrams in ` +
      `${Math.round(performance.now() - started)} ms` +
      (errors.length ? `; errors: ${errors.join(' | ')}` : '; no errors');
    if (errors.length || drawn !== charts) status.className = 'error';
    document.body.dataset.charts = String(charts);
    document.body.dataset.drawn = String(drawn);
    document.body.dataset.errors = String(errors.length);
  };
  let next = 0;
  const pump = () => {
    const until = performance.now() + 40;
    while (next < queue.length && performance.now() < until) drawChart(queue[next++]);
    if (next < queue.length) setTimeout(pump, 0);
    else finish(200);
  };
  setTimeout(pump, 0);
})();
