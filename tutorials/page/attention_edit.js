// tutorials/page/attention_edit.js: the attention page's computing half,
// inlined by make_page after attention.js (whose helpers it takes from
// window.agParts): the image view, where a clicked pixel's attention is one
// row of softmax(query · key), and recompute(input), which redoes tutorial
// 02's and 05's steps for an edited input with plain loops: matmul, softmax,
// the causal mask and the split into heads. On window.agPage.defaultInput()
// its matrices equal the lessons' (tests compare them in a browser).
(function () {
  'use strict';
  const { data, finiteRange, cellColours, fmt, escape, figureHtml, addTools, openers,
    show } = window.agParts;

  // ---------------------------------------------------------------- the image (08)
  // A pixel's attention is one row of softmax(query · key): query (N, 2), key (2, N).
  function attentionRow(query, key, pixel) {
    const q = query.values[pixel];
    const energy = key.values[0].map((_, j) =>
      q.reduce((s, qc, c) => s + qc * key.values[c][j], 0));
    return softmaxRow(energy);
  }
  const imageView = document.getElementById('v-08-image');
  const SIDE = 16;
  function pixelGrid(values, mark) {
    const range = finiteRange([values]);
    return values.map((v, p) => {
      const [bg] = cellColours(v, range);
      return `<span data-pixel="${p}" title="${Math.floor(p / SIDE)},${p % SIDE}: ${fmt(v)}" ` +
        `style="background:${bg}"${p === mark ? ' class="query"' : ''}></span>`;
    }).join('');
  }
  let imagePanel = null;
  if (imageView) {
    imagePanel = document.createElement('div');
    imagePanel.className = 'ag-image';
    imageView.insertBefore(imagePanel, imageView.querySelector('.ag-figures'));
    imagePanel.addEventListener('click', (event) => {
      const p = event.target.dataset && event.target.dataset.pixel;
      if (p !== undefined) show(`08-image/${Math.floor(p / SIDE)},${p % SIDE}`);
    });
  }
  openers.image = showPixel;
  function showPixel(sub) {
    if (!imagePanel) return '';
    const match = /^(\d+),(\d+)$/.exec(sub);
    const defaultMap = data['m-08-image-map-before'];
    const first = defaultMap ? defaultMap.values.flat() : [];
    const lessonPixel = first.length ? /row (\d+),(\d+)/.exec(document.querySelector(
      '#m-08-image-map-before code').textContent) : null;
    let r = match ? +match[1] : lessonPixel ? +lessonPixel[1] : 0;
    let c = match ? +match[2] : lessonPixel ? +lessonPixel[2] : 0;
    r = Math.min(Math.max(r, 0), SIDE - 1);
    c = Math.min(Math.max(c, 0), SIDE - 1);
    const p = r * SIDE + c;
    const objects = data['m-08-image-objects'].values.flat();
    let html = '<div class="ag-figures"><div><b>the input</b> (objects = 1): click a pixel' +
      `<div class="ag-pixels">${pixelGrid(objects, p)}</div></div>`;
    for (const when of ['before', 'after']) {
      const row = attentionRow(data[`m-08-image-query-${when}`], data[`m-08-image-key-${when}`], p);
      let best = 0;
      row.forEach((v, j) => { if (v > row[best]) best = j; });
      const onObjects = row.reduce((s, v, j) => s + (objects[j] > 0 ? v : 0), 0);
      html += `<div><b>attention of pixel ${r},${c} ${when} training</b>` +
        `<div class="ag-pixels">${pixelGrid(row, p)}</div>` +
        `<small>most weight on ${Math.floor(best / SIDE)},${best % SIDE} (${fmt(row[best])}); ` +
        `${fmt(onObjects)} of it on the objects</small></div>`;
    }
    imagePanel.innerHTML = html + '</div>';
    return `${r},${c}`;
  }

  // ---------------------------------------------------------------- recomputing 02 and 05
  const matmul = (a, b) => a.map((row) =>
    b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0)));
  const transpose = (a) => a[0].map((_, j) => a.map((row) => row[j]));
  const scale = (a, s) => a.map((row) => row.map((v) => v * s));
  function softmaxRow(row) {
    const top = Math.max(...row);  // subtract the largest: exp never overflows
    const e = row.map((v) => Math.exp(v - top));
    const sum = e.reduce((s, v) => s + v, 0);
    return e.map((v) => v / sum);
  }
  const causal = (a) => a.map((row, i) => row.map((v, j) => (j > i ? -Infinity : v)));
  // split heads: columns [h·d, (h+1)·d) of a (T, D) matrix are head h's (T, D/H).
  const headColumns = (a, h, d) => a.map((row) => row.slice(h * d, (h + 1) * d));
  function attend(query, key, value, mask) {
    const scores = matmul(query, transpose(key));
    const scaled = scale(scores, 1 / Math.sqrt(query[0].length));
    const masked = mask === 'causal' ? causal(scaled) : null;
    const weights = (masked || scaled).map(softmaxRow);
    return { scores, scaled, masked, weights, out: matmul(weights, value) };
  }
  const weight = (id) => data[id].values;
  function recompute(input) {
    const words = data['m-02-qkv-x'].rows;
    const x = words.map((w) => input.embeddings[w].map(Number));
    const r = {};
    const q = matmul(x, weight('m-02-qkv-W_Q')), k = matmul(x, weight('m-02-qkv-W_K'));
    const v = matmul(x, weight('m-02-qkv-W_V'));
    const a = attend(q, k, v, input.mask);
    Object.assign(r, { 'm-02-qkv-x': x, 'm-02-qkv-query': q, 'm-02-qkv-key': k,
      'm-02-qkv-value': v, 'm-02-scores-scores': a.scores, 'm-02-scaled-scaled': a.scaled,
      'm-02-weights-weights': a.weights, 'm-02-out-out': a.out });
    if (a.masked) r['m-02-scaled-masked'] = a.masked;
    const H = Number(input.heads), d = x[0].length / H;
    if (!Number.isInteger(d))
      throw new Error(`recompute: ${H} heads do not divide the width ${x[0].length}`);
    const Q = matmul(x, weight('m-05-heads-W_Q')), K = matmul(x, weight('m-05-heads-W_K'));
    const V = matmul(x, weight('m-05-heads-W_V'));
    const outs = [];
    for (let h = 0; h < H; h++) {
      const head = attend(headColumns(Q, h, d), headColumns(K, h, d), headColumns(V, h, d), 'none');
      r[`m-05-heads-query-h${h}`] = headColumns(Q, h, d);
      r[`m-05-heads-weights-h${h}`] = head.weights;
      outs.push(head.out);
    }
    const concat = x.map((_, t) => outs.flatMap((o) => o[t]));  // the heads side by side
    r['m-05-heads-concat'] = concat;
    r['m-05-heads-out'] = matmul(concat, weight('m-05-heads-W_O'));
    return r;
  }
  const defaultInput = () => JSON.parse(JSON.stringify(window.AG_INPUT));

  // The editor: results replace their figures; figures a new input no longer has go.
  const FORMULAS = { masked: 'masked = scaled, −∞ where a key comes after the query',
    query: "head's columns of x · W_Q", weights: 'softmax(q_h · k_hᵀ / √d)',
    concat: "concat = the heads' outputs side by side" };
  function labelsFor(id, values) {
    const words = data['m-02-qkv-x'].rows, width = values[0].length;
    const d = width / Number(editorInput.heads);
    let cols = values[0].map((_, j) => 'd' + j);
    if (id.endsWith('concat')) cols = cols.map((_, j) => `h${Math.floor(j / d)}.d${j % d}`);
    if (/(scores|scaled|masked|weights)/.test(id)) cols = words;
    return { rows: words, cols };
  }
  let editorInput = defaultInput();
  function applyInput() {
    const results = recompute(editorInput);
    document.querySelectorAll('#v-02-scaled .ag-matrix, #v-05-heads .ag-matrix').forEach((f) => {
      if (/-(masked|query-h\d+|weights-h\d+)$/.test(f.id) && !(f.id in results)) f.remove();
    });
    for (const [id, values] of Object.entries(results)) {
      const old = document.getElementById(id);
      const name = id.replace(/^m-0\d-[a-z]+-/, '');
      const formula = old ? old.querySelector('code').textContent
        : FORMULAS[name.replace(/-h\d+$/, '')];
      const m = { ...labelsFor(id, values), values };
      const holder = document.createElement('div');
      holder.innerHTML = figureHtml(id, name, formula, m);
      const figure = holder.firstChild;
      addTools(figure);
      const view = id.split('-').slice(1, 3).join('-');  // m-05-heads-x -> 05-heads
      if (old) old.replaceWith(figure);
      else document.querySelector(`#v-${view} .ag-figures`).appendChild(figure);
    }
  }
  function buildEditor() {
    const view = document.getElementById('v-02-qkv');
    if (!view) return;
    const editor = document.createElement('details');
    editor.className = 'ag-editor';
    let html = '<summary>Edit the input (recomputed in JavaScript)</summary><table><tbody>';
    for (const [word, vector] of Object.entries(editorInput.embeddings)) {
      html += `<tr><th>${escape(word)}</th>` + vector.map((v, k) =>
        `<td><input type="number" step="0.1" data-word="${escape(word)}" data-k="${k}" ` +
        `value="${v}"></td>`).join('') + '</tr>';
    }
    html += '</tbody></table><label>02 mask <select data-field="mask"><option>none</option>' +
      '<option>causal</option></select></label> <label>05 heads <select data-field="heads">' +
      '<option>1</option><option selected>2</option><option>4</option></select></label> ' +
      '<button type="button" data-field="reset">reset</button>';
    editor.innerHTML = html;
    editor.addEventListener('change', (event) => {
      const t = event.target;
      if (t.dataset.word) editorInput.embeddings[t.dataset.word][+t.dataset.k] = Number(t.value);
      if (t.dataset.field === 'mask') editorInput.mask = t.value;
      if (t.dataset.field === 'heads') editorInput.heads = Number(t.value);
      applyInput();
    });
    editor.querySelector('[data-field=reset]').onclick = () => {
      editorInput = defaultInput();
      editor.remove();
      buildEditor();
      applyInput();
    };
    view.insertBefore(editor, view.querySelector('.ag-figures'));
  }
  buildEditor();

  Object.assign(window.agPage, { recompute, defaultInput });
})();
