// tutorials/page/attention.js: the attention page's behaviour, inlined by
// make_page (then attention_edit.js). No library, no request. The page reads
// fine without it: every number is in a plain table. With it: one view at a
// time (← → and the buttons), numbers on hover and a toggle, CSV and SVG
// downloads, the graph's nodes and the heads grid opening their matrices.
//
// The URL hash: #<view>, or #<view>/<part> for views with parts:
//   #heads/dec-cross-L0-H1    a head (figure m-heads-<head>)
//   #graph/m-graph-W_Q        a graph node, by the figure of its value
//   #08-image/4,4             the pixel whose attention is drawn
//
// window.agPage = { views(), show(id), current(), data, recompute(input), defaultInput() }
//   data:  { <figure id>: {rows: [labels], cols: [labels], values: [[...]]} }, read from the tables
//   input: { embeddings: {I: [4 numbers], am: [...], a: [...], student: [...]},
//            mask: "none" | "causal"   (tutorial 02's attention),
//            heads: 1 | 2 | 4          (tutorial 05's multi-head attention) }
//   recompute(input) -> { <figure id>: [[...]] } for 02's and 05's matrices (02-scaled-masked
//   only with mask "causal"); on defaultInput() they equal data (float precision).
//   recompute and defaultInput come from attention_edit.js.
(function () {
  'use strict';
  const VIEWS = window.AG_VIEWS;
  const PALETTE = window.AG_PALETTE;
  document.body.classList.add('js');

  // ---------------------------------------------------------------- data
  function parseValue(text) {
    return text === '-inf' ? -Infinity : text === 'inf' ? Infinity : Number(text);
  }
  function readFigure(figure) {
    const cols = [...figure.querySelectorAll('thead th[scope=col]')].map((th) => th.textContent);
    const rows = [], values = [];
    figure.querySelectorAll('tbody tr').forEach((tr) => {
      rows.push(tr.querySelector('th').textContent);
      values.push([...tr.querySelectorAll('td')].map((td) => parseValue(td.dataset.value)));
    });
    return { rows, cols, values };
  }
  const data = {};
  document.querySelectorAll('figure.ag-matrix').forEach((f) => { data[f.id] = readFigure(f); });

  // ---------------------------------------------------------------- colours (palette.cpp)
  function viridis(t) {
    t = t > 0 ? Math.min(t, 1) : 0;
    const position = t * (PALETTE.length - 1);
    const below = Math.min(Math.floor(position), PALETTE.length - 2), f = position - below;
    return PALETTE[below].map((c, k) => Math.round(c + f * (PALETTE[below + 1][k] - c)));
  }
  function luminance(rgb) {
    const [r, g, b] = rgb.map((c) => {
      const s = c / 255;
      return s <= 0.04045 ? s / 12.92 : Math.pow((s + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }
  // Black or white text, whichever has the larger WCAG contrast ratio.
  function textOn(rgb) {
    const l = luminance(rgb);
    return (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) ? '#000000' : '#ffffff';
  }
  const hex = (rgb) => '#' + rgb.map((c) => c.toString(16).padStart(2, '0')).join('');
  function finiteRange(values) {
    const finite = values.flat().filter(Number.isFinite);
    return finite.length ? [Math.min(...finite), Math.max(...finite)] : [0, 0];
  }
  function cellColours(v, [low, high]) {
    if (!Number.isFinite(v)) return ['#bbbbbb', '#000000'];
    const rgb = viridis(high > low ? (v - low) / (high - low) : 0.5);
    return [hex(rgb), textOn(rgb)];
  }

  // ---------------------------------------------------------------- numbers and captions
  function fmt(v) {
    if (v === -Infinity) return '−∞';
    if (v === Infinity) return '∞';
    const text = v.toFixed(4);
    return text === '-0.0000' ? '0.0000' : text;
  }
  // captions.cpp's weights_caption, for recomputed weights.
  function weightsCaption(m) {
    const most = [], zeros = [];
    m.values.forEach((row, r) => {
      let best = 0;
      row.forEach((v, c) => { if (v > row[best]) best = c; });
      most.push(`${m.rows[r]} to ${m.cols[best]} (${fmt(row[best])})`);
      row.forEach((v, c) => { if (v === 0) zeros.push(`${m.rows[r]}→${m.cols[c]}`); });
    });
    const list = (items, shown) => {
      let text = items.slice(0, shown).map((s, k) =>
        (k === 0 ? '' : k + 1 === items.length ? ' and ' : ', ') + s).join('');
      if (items.length > shown) text += ` and ${items.length - shown} more`;
      return text;
    };
    const text = `Each row attends most: ${list(most, most.length)}. `;
    if (!zeros.length) return text + 'No weight is exactly 0.';
    return text + `Exactly 0 (${zeros.length}): ${list(zeros, 6)}.`;
  }
  // captions.cpp's values_caption.
  function valuesCaption(m) {
    let big = null, small = null, minusInf = 0;
    m.values.forEach((row, r) => row.forEach((v, c) => {
      if (v === -Infinity) { minusInf++; return; }
      if (!big || v > big[0]) big = [v, r, c];
      if (!small || v < small[0]) small = [v, r, c];
    }));
    const where = ([, r, c]) => `(row ${m.rows[r]}, column ${m.cols[c]})`;
    let text = '';
    if (big) {
      text = `Largest ${fmt(big[0])} ${where(big)}, ` +
        `smallest ${fmt(small[0])} ${where(small)}.`;
    }
    if (minusInf) text += ` ${minusInf} entries are −∞: after the softmax they are 0.`;
    return text;
  }

  // -------------------------------------------------------- figures (html_page.cpp's markup)
  const escape = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;')
    .replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  function figureHtml(id, name, formula, m) {
    const range = finiteRange(m.values);
    const caption = name.startsWith('weights') ? weightsCaption(m) : valuesCaption(m);
    let html = `<figure class="ag-matrix" id="${id}" data-rows="${m.rows.length}" ` +
      `data-cols="${m.cols.length}" data-name="${escape(name)}">` +
      `<figcaption><b>${escape(name)}</b> ` +
      `<span class="shape">(${m.rows.length}, ${m.cols.length})</span> <code>${escape(formula)}` +
      `</code><br><span class="caption">${escape(caption)}</span></figcaption>` +
      `<div class="ag-legend">${fmt(range[0])} <span class="bar"></span> ${fmt(range[1])}</div>` +
      '<div class="scroll"><table><thead><tr><th></th>' +
      m.cols.map((c) => `<th scope="col">${escape(c)}</th>`).join('') + '</tr></thead><tbody>';
    m.values.forEach((row, r) => {
      html += `<tr><th scope="row">${escape(m.rows[r])}</th>` + row.map((v) => {
        const [bg, fg] = cellColours(v, range);
        const exact = v === -Infinity ? '-inf' : String(Math.fround(v));
        const white = fg === '#ffffff' ? ' class="w"' : '';
        return `<td data-value="${exact}" style="background:${bg}"${white}>${fmt(v)}</td>`;
      }).join('') + '</tr>';
    });
    return html + '</tbody></table></div></figure>';
  }

  // -------------------------------------------------------- downloads (no request: blob URLs)
  function download(filename, text, type) {
    const url = URL.createObjectURL(new Blob([text], { type }));
    const a = document.createElement('a');
    a.setAttribute('href', url);
    a.download = filename;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }
  const csvField = (s) => (/[",\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s);
  function toCsv(m) {
    const lines = [['', ...m.cols].map(csvField).join(',')];
    m.values.forEach((row, r) => lines.push([csvField(m.rows[r]), ...row.map(String)].join(',')));
    return lines.join('\n') + '\n';
  }
  // The heatmap as a standalone SVG: a coloured cell per entry, the words on the axes.
  function toSvg(m, title) {
    const cell = 48, left = 90, top = 56, range = finiteRange(m.values);
    const width = left + cell * m.cols.length + 10, height = top + cell * m.rows.length + 10;
    let svg = `<svg xmlns="${'http:'}//www.w3.org/2000/svg" width="${width}" height="${height}" ` +
      `font-family="sans-serif" font-size="12"><text x="4" y="16" font-weight="bold">` +
      `${escape(title)}</text>`;
    m.cols.forEach((c, j) => {
      svg += `<text x="${left + cell * j + cell / 2}" y="${top - 6}" text-anchor="middle">` +
        `${escape(c)}</text>`;
    });
    m.values.forEach((row, i) => {
      svg += `<text x="${left - 6}" y="${top + cell * i + cell / 2 + 4}" text-anchor="end">` +
        `${escape(m.rows[i])}</text>`;
      row.forEach((v, j) => {
        const [bg, fg] = cellColours(v, range), x = left + cell * j, y = top + cell * i;
        svg += `<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${bg}"/>` +
          `<text x="${x + cell / 2}" y="${y + cell / 2 + 4}" fill="${fg}" text-anchor="middle">` +
          `${fmt(v).replace('−∞', '-inf')}</text>`;
      });
    });
    return svg + '</svg>\n';
  }
  function addTools(figure) {
    const tools = document.createElement('div');
    tools.className = 'ag-tools';
    tools.innerHTML = '<button type="button" data-what="csv">CSV</button>' +
      '<button type="button" data-what="svg">SVG</button>';
    tools.addEventListener('click', (event) => {
      const what = event.target.dataset.what;
      const m = readFigure(figure), name = figure.id.replace(/^m-/, '');
      if (what === 'csv') download(name + '.csv', toCsv(m), 'text/csv');
      if (what === 'svg') download(name + '.svg', toSvg(m, figure.dataset.name), 'image/svg+xml');
    });
    figure.appendChild(tools);
  }
  document.querySelectorAll('figure.ag-matrix').forEach(addTools);

  // ---------------------------------------------------------------- hover
  const tip = document.createElement('div');
  tip.id = 'ag-tip';
  document.body.appendChild(tip);
  document.addEventListener('mouseover', (event) => {
    const td = event.target.closest('td[data-value]');
    if (!td) { tip.style.display = 'none'; return; }
    const row = td.parentElement.querySelector('th').textContent;
    const col = td.closest('table').querySelectorAll('thead th')[td.cellIndex].textContent;
    tip.textContent = `${row} · ${col} = ${td.dataset.value}`;
    tip.style.display = 'block';
    tip.style.left = event.clientX + 12 + 'px';
    tip.style.top = event.clientY + 12 + 'px';
  });

  // ---------------------------------------------------------------- views, hash, keyboard
  let currentView = VIEWS[0], currentSub = '';
  // Views that open a part of themselves register here (attention_edit.js: the image's pixel).
  const openers = {};
  function openInView(section, sub) {
    const kind = section.dataset.kind;
    if (kind === 'heads') {
      const head = sub || section.querySelector('.ag-grid a').getAttribute('href').split('/')[1];
      section.querySelectorAll('.ag-matrix').forEach((f) =>
        f.classList.toggle('open', f.id === 'm-heads-' + head));
      section.querySelectorAll('.ag-grid a').forEach((a) =>
        a.classList.toggle('open', a.getAttribute('href') === '#heads/' + head));
      return head;
    }
    if (kind === 'graph') {
      const nodes = [...section.querySelectorAll('.ag-node')];
      const node = nodes.find((n) => n.dataset.tensor === sub) ||
        nodes.find((n) => n.dataset.tensor);
      const open = node ? [node.dataset.tensor, node.dataset.grad] : [];
      nodes.forEach((n) => n.classList.toggle('selected', n === node));
      section.querySelectorAll('.ag-matrix').forEach((f) =>
        f.classList.toggle('open', open.includes(f.id)));
      return node ? node.dataset.tensor : '';
    }
    if (openers[kind]) return openers[kind](sub || '');
    return '';
  }
  function show(id) {
    const [view, sub] = String(id).replace(/^#/, '').split('/');
    if (!VIEWS.includes(view)) return false;
    currentView = view;
    document.querySelectorAll('.ag-view').forEach((s) =>
      s.classList.toggle('current', s.id === 'v-' + view));
    document.querySelectorAll('#ag-nav a').forEach((a) => {
      if (a.getAttribute('href') === '#' + view) a.setAttribute('aria-current', 'step');
      else a.removeAttribute('aria-current');
    });
    currentSub = openInView(document.getElementById('v-' + view), sub) || '';
    const hash = '#' + view + (sub ? '/' + currentSub : '');
    if (location.hash !== hash) history.replaceState(null, '', hash);
    return true;
  }
  const current = () => currentView + (currentSub ? '/' + currentSub : '');
  function step(by) {
    const k = VIEWS.indexOf(currentView) + by;
    if (k >= 0 && k < VIEWS.length) show(VIEWS[k]);
  }
  window.addEventListener('hashchange', () => show(location.hash));
  document.addEventListener('click', (event) => {  // in-page links change the view, not the scroll
    const a = event.target.closest('a[href^="#"]');
    if (!a) return;
    event.preventDefault();
    show(a.getAttribute('href'));
  });
  document.addEventListener('keydown', (event) => {
    if (event.target.closest('input, select, textarea')) return;
    if (event.key === 'ArrowRight') step(1);
    if (event.key === 'ArrowLeft') step(-1);
  });
  const toolbar = document.getElementById('ag-toolbar');
  toolbar.innerHTML = '<button type="button" id="ag-prev">← previous</button>' +
    '<button type="button" id="ag-next">next →</button>' +
    '<label><input type="checkbox" id="ag-numbers" checked> numbers on the cells</label>';
  document.getElementById('ag-prev').onclick = () => step(-1);
  document.getElementById('ag-next').onclick = () => step(1);
  document.getElementById('ag-numbers').onchange = (e) =>
    document.body.classList.toggle('hide-numbers', !e.target.checked);

  // ---------------------------------------------------------------- the graph
  document.querySelectorAll('#ag-graph .ag-node').forEach((node) => {
    const open = () => { if (node.dataset.tensor) show('graph/' + node.dataset.tensor); };
    node.addEventListener('click', open);
    node.addEventListener('keydown', (e) => { if (e.key === 'Enter') open(); });
  });

  // What attention_edit.js builds on, and the page's interface (README of the contract above).
  window.agParts = { data, readFigure, finiteRange, cellColours, fmt, escape, figureHtml, addTools,
    openers, show };
  window.agPage = { views: () => VIEWS.slice(), show, current, data };
  // After attention_edit.js has registered its openers: scripts at the end of <body> run first.
  document.addEventListener('DOMContentLoaded', () => {
    if (!show(location.hash)) show(VIEWS[0]);
  });
})();
