// tutorials/common/report_html_assets.cpp: report.html's CSS and JavaScript,
// inlined into the page by report_html.cpp (no file is fetched: the page
// opens offline); the colours come from palette.h, through report_html.cpp
// (the colour bar's gradient, and data.palette for the script). The script
// paints the test images and the attention maps on canvases from the page's
// JSON, and answers a click on a pixel with that pixel's row of the map;
// window.agReport lets the tests ask what it shows.
#include "tutorials/common/report_html.h"

namespace ag::train {

const char* report_style() {
  return R"(
body{font-family:system-ui,sans-serif;margin:0 auto;padding:12px;max-width:1040px;color:#111}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}
svg{max-width:100%;height:auto}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;font-size:13px}
td,th{padding:3px 6px;text-align:right;border:1px solid #ddd}
table.matrix td{min-width:2.2em;text-align:center}
caption{text-align:left;padding:4px 0;font-size:13px}
.bar{display:inline-block;height:10px;background:#31688e}
.grid{display:flex;flex-wrap:wrap;gap:10px}
.grid figure{margin:0;text-align:center;font-size:12px;width:96px}
.grid canvas{width:96px;height:96px;image-rendering:pixelated}
.wrong{color:#b2182b;font-weight:bold}
.att{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start;margin-bottom:14px}
.att canvas{width:192px;height:192px;image-rendering:pixelated;border:1px solid #ccc}
.att canvas.att-input{cursor:crosshair}
.att p{max-width:320px;font-size:13px}
.ramp{display:inline-block;width:120px;height:10px;vertical-align:middle}
)";
}

const char* report_script() {
  return R"(
(function () {
  'use strict';
  const data = JSON.parse(document.getElementById('report-data').textContent);
  // The stops of tutorials/common/palette.h, interpolated as its viridis() does.
  const V = data.palette, last = V.length - 1;
  function viridis(t) {
    t = Math.min(1, Math.max(0, t)) * last;
    const i = Math.min(last - 1, Math.floor(t)), f = t - i;
    return V[i].map((c, k) => Math.round(c + (V[i + 1][k] - c) * f));
  }
  function bytes(text) {
    const s = atob(text), out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; ++i) out[i] = s.charCodeAt(i);
    return out;
  }
  // An H x W picture on a canvas of the same size (CSS scales it up, pixelated).
  function paint(canvas, height, width, rgbAt) {
    canvas.width = width; canvas.height = height;
    const ctx = canvas.getContext('2d'), img = ctx.createImageData(width, height);
    for (let p = 0; p < height * width; ++p) {
      const rgb = rgbAt(p);
      img.data.set([rgb[0], rgb[1], rgb[2], 255], 4 * p);
    }
    ctx.putImageData(img, 0, 0);
  }
  function paintImage(canvas, image, mark) {
    const px = bytes(image.pixels), n = image.height * image.width;
    paint(canvas, image.height, image.width, p => {
      if (p === mark) return [230, 30, 30];
      return image.channels === 3 ? [px[p], px[n + p], px[2 * n + p]] : [px[p], px[p], px[p]];
    });
  }
  data.images.forEach((image, n) => paintImage(document.getElementById('img-' + n), image, -1));

  const P = data.attention.positions, side = Math.round(Math.sqrt(P));
  const maps = data.attention.maps.map(m => ({rowMax: m.rowMax, bytes: bytes(m.bytes)}));
  const selected = [];
  function weights(a, p) {
    const m = maps[a], out = [];
    for (let j = 0; j < P; ++j) out.push(m.bytes[p * P + j] / 255 * m.rowMax[p]);
    return out;
  }
  function select(a, p) {
    selected[a] = p;
    const w = weights(a, p), image = data.images[a];
    let best = 0;
    for (let j = 1; j < P; ++j) if (w[j] > w[best]) best = j;
    // Shaded from the row's smallest weight (dark) to its largest (yellow): near-uniform
    // rows would otherwise look flat.
    const low = Math.min(...w), span = Math.max(w[best] - low, 1e-30);
    paint(document.getElementById('att-map-' + a), side, side, j => viridis((w[j] - low) / span));
    document.getElementById('att-low-' + a).textContent = low.toFixed(5);
    document.getElementById('att-high-' + a).textContent = w[best].toFixed(5);
    // The clicked position, drawn on the image at the image's own resolution.
    const scale = image.height / side, r = Math.floor(p / side), c = p % side;
    paintImage(document.getElementById('att-input-' + a), image,
               Math.floor(r * scale) * image.width + Math.floor(c * scale));
    const where = (j) => '(row ' + Math.floor(j / side) + ', column ' + (j % side) + ')';
    const caption = document.getElementById('att-caption-' + a);
    caption.dataset.pixel = p; caption.dataset.strongest = best;
    caption.textContent = 'Position ' + where(p) + ' attends most to ' + where(best) +
      ' (weight ' + w[best].toFixed(4) + ', ' + (P * w[best]).toFixed(1) +
      ' times the uniform 1/' + P + '). The layer adds gamma = ' +
      data.attention.gamma.toFixed(4) + ' times this mixture to its input.';
  }
  maps.forEach((m, a) => {
    const canvas = document.getElementById('att-input-' + a);
    canvas.addEventListener('click', e => {
      const box = canvas.getBoundingClientRect();
      const c = Math.min(side - 1, Math.floor((e.clientX - box.left) / box.width * side));
      const r = Math.min(side - 1, Math.floor((e.clientY - box.top) / box.height * side));
      select(a, r * side + c);
    });
    select(a, (side >> 1) * side + (side >> 1));  // start at the centre
  });
  window.agReport = {data, weights, select, selected: a => selected[a], side: () => side};
})();
)";
}

}  // namespace ag::train
