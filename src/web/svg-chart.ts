/**
 * Server-rendered SVG charts: data in, one `<svg>` string out. No script, no
 * external asset (no font, no stylesheet, no image), no `style` attribute
 * (a Content-Security-Policy without 'unsafe-inline' still draws them: every
 * colour and size is a presentation attribute). Every text placed in the
 * markup (titles, labels, series names, categories) is escaped here.
 *
 * Accessible: `role="img"` with `aria-labelledby` naming a `<title>` and a
 * `<desc>` (a summary written from the data when none is given); each point
 * and bar carries its own `<title>` (the browser's tooltip). The data as a
 * table for screen readers is the page's job (the chart says so nowhere).
 *
 * Two charts: `lineChart` (several series over ordered categories, such as
 * periods; a null value breaks the line) and `barChart` (grouped bars, one
 * group per category, one bar per series). Pure functions: no state.
 */

export interface ChartSeries {
  name: string;
  /** One value per category, in the categories' order; null or a missing value is a gap. */
  values: ReadonlyArray<number | null | undefined>;
}

export interface ChartInput {
  /** Unique within the page: prefixes the ids of the title and description. */
  id: string;
  title: string;
  /** The accessible description; a summary of the data when omitted. */
  description?: string;
  /** The x axis: one label per position (periods, priorities, ...), in order. */
  categories: readonly string[];
  series: readonly ChartSeries[];
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
  /** Formats values on the axis and in tooltips (default: up to 2 decimals). */
  format?: (v: number) => string;
}

/** Okabe–Ito: distinguishable with the common colour-vision deficiencies. */
export const PALETTE = [
  '#0072B2',
  '#D55E00',
  '#009E73',
  '#CC79A7',
  '#E69F00',
  '#56B4E9',
  '#000000',
  '#F0E442',
];

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

/** Escapes text for SVG/HTML content and double-quoted attribute values. */
export function escapeXml(value: unknown): string {
  return String(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const defaultFormat = (v: number): string =>
  Number.isInteger(v) ? String(v) : String(Math.round(v * 100) / 100);

/** A safe id: letters, digits, `-` and `_` only. */
const safeId = (id: string): string => id.replace(/[^A-Za-z0-9_-]/g, '_') || 'chart';

/** Rounded coordinates keep the markup short and stable. */
const n = (v: number): string => String(Math.round(v * 10) / 10);

/** Nice axis bounds and ticks (steps of 1, 2 or 5 times a power of ten) covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  let lo = Math.min(0, min);
  let hi = Math.max(0, max);
  if (hi === lo) hi = lo + 1;
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  lo = Math.floor(lo / step) * step;
  hi = Math.ceil(hi / step) * step;
  const ticks: number[] = [];
  const first = Math.round(lo / step);
  const last = Math.round(hi / step);
  for (let k = first; k <= last; k++) ticks.push(Number((k * step).toPrecision(12)));
  return ticks;
}

interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
  ticks: number[];
  y(v: number): number;
  fmt: (v: number) => string;
}

function finiteValues(series: readonly ChartSeries[]): number[] {
  const out: number[] = [];
  for (const s of series)
    for (const v of s.values) if (typeof v === 'number' && Number.isFinite(v)) out.push(v);
  return out;
}

function frameOf(input: ChartInput): Frame {
  const width = input.width ?? 640;
  const height = input.height ?? 320;
  const values = finiteValues(input.series);
  const ticks = niceTicks(values.length ? Math.min(...values) : 0, values.length ? Math.max(...values) : 1);
  const fmt = input.format ?? defaultFormat;
  const widest = Math.max(...ticks.map((t) => fmt(t).length));
  const left = 16 + widest * 7 + (input.yLabel ? 18 : 0);
  const legendRows = Math.ceil(input.series.length / 4);
  const top = 36 + legendRows * 18;
  const bottom = 34 + (input.xLabel ? 18 : 0);
  const right = 16;
  const lo = ticks[0]!;
  const hi = ticks[ticks.length - 1]!;
  const plotH = height - top - bottom;
  return {
    width,
    height,
    left,
    right,
    top,
    bottom,
    ticks,
    fmt,
    y: (v) => top + plotH - ((v - lo) / (hi - lo)) * plotH,
  };
}

function summary(input: ChartInput, kind: string): string {
  const cats = input.categories;
  const fmt = input.format ?? defaultFormat;
  if (cats.length === 0 || input.series.length === 0) return `${kind}: no data.`;
  const parts = input.series.map((s) => {
    const vals = s.values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    if (vals.length === 0) return `${s.name}: no values`;
    return `${s.name}: from ${fmt(Math.min(...vals))} to ${fmt(Math.max(...vals))}`;
  });
  const range = cats.length === 1 ? cats[0] : `${cats[0]} to ${cats[cats.length - 1]}`;
  return `${kind} of ${input.series.length} series over ${cats.length} categories (${range}). ${parts.join('; ')}.`;
}

/** Which category labels to print so they do not overlap (every k-th, always the last). */
function labelEvery(spacing: number, longest: number): number {
  const perLabel = Math.max(24, longest * 7 + 12);
  return Math.max(1, Math.ceil(perLabel / Math.max(1, spacing)));
}

function open(input: ChartInput, f: Frame, kind: string): string[] {
  const id = safeId(input.id);
  const desc = input.description ?? summary(input, kind);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-labelledby="${id}-title ${id}-desc"` +
      ` width="${f.width}" height="${f.height}" viewBox="0 0 ${f.width} ${f.height}"` +
      ` font-family="${escapeXml(FONT)}" font-size="12">`,
    `<title id="${id}-title">${escapeXml(input.title)}</title>`,
    `<desc id="${id}-desc">${escapeXml(desc)}</desc>`,
    `<rect x="0" y="0" width="${f.width}" height="${f.height}" fill="#ffffff"/>`,
    `<text x="${n(f.width / 2)}" y="20" text-anchor="middle" font-size="15" font-weight="600" fill="#1a1a1a">${escapeXml(input.title)}</text>`,
  ];
}

function legend(input: ChartInput, f: Frame, swatch: 'line' | 'box'): string[] {
  const out: string[] = ['<g class="legend">'];
  const colWidth = (f.width - f.left - f.right) / Math.min(4, Math.max(1, input.series.length));
  input.series.forEach((s, i) => {
    const x = f.left + (i % 4) * colWidth;
    const y = 32 + Math.floor(i / 4) * 18;
    const color = PALETTE[i % PALETTE.length]!;
    out.push(
      swatch === 'line'
        ? `<line x1="${n(x)}" y1="${n(y)}" x2="${n(x + 18)}" y2="${n(y)}" stroke="${color}" stroke-width="3"/>`
        : `<rect x="${n(x)}" y="${n(y - 6)}" width="14" height="12" fill="${color}"/>`,
      `<text x="${n(x + 24)}" y="${n(y + 4)}" fill="#1a1a1a">${escapeXml(s.name)}</text>`,
    );
  });
  out.push('</g>');
  return out;
}

function yAxis(input: ChartInput, f: Frame): string[] {
  const out: string[] = ['<g class="y-axis">'];
  for (const t of f.ticks) {
    const y = f.y(t);
    out.push(
      `<line x1="${n(f.left)}" y1="${n(y)}" x2="${n(f.width - f.right)}" y2="${n(y)}" stroke="${t === 0 ? '#555555' : '#dddddd'}" stroke-width="1"/>`,
      `<text x="${n(f.left - 6)}" y="${n(y + 4)}" text-anchor="end" fill="#333333">${escapeXml(f.fmt(t))}</text>`,
    );
  }
  out.push(
    `<line x1="${n(f.left)}" y1="${n(f.top)}" x2="${n(f.left)}" y2="${n(f.height - f.bottom)}" stroke="#555555"/>`,
  );
  if (input.yLabel) {
    const cy = (f.top + f.height - f.bottom) / 2;
    out.push(
      `<text x="14" y="${n(cy)}" text-anchor="middle" transform="rotate(-90 14 ${n(cy)})" fill="#333333">${escapeXml(input.yLabel)}</text>`,
    );
  }
  out.push('</g>');
  return out;
}

function xAxis(input: ChartInput, f: Frame, xOf: (i: number) => number): string[] {
  const out: string[] = ['<g class="x-axis">'];
  const cats = input.categories;
  const longest = Math.max(0, ...cats.map((c) => c.length));
  const spacing = cats.length > 1 ? xOf(1) - xOf(0) : f.width;
  const every = labelEvery(spacing, longest);
  const base = f.height - f.bottom;
  const last = cats.length - 1;
  cats.forEach((c, i) => {
    // Every `every`-th label, and the last one in place of a printed neighbour too close to it.
    const shown = i === last || (i % every === 0 && (i === 0 || last - i >= every));
    if (!shown) return;
    const x = xOf(i);
    out.push(
      `<line x1="${n(x)}" y1="${n(base)}" x2="${n(x)}" y2="${n(base + 4)}" stroke="#555555"/>`,
      `<text x="${n(x)}" y="${n(base + 18)}" text-anchor="middle" fill="#333333">${escapeXml(c)}</text>`,
    );
  });
  if (input.xLabel) {
    out.push(
      `<text x="${n((f.left + f.width - f.right) / 2)}" y="${n(f.height - 6)}" text-anchor="middle" fill="#333333">${escapeXml(input.xLabel)}</text>`,
    );
  }
  out.push('</g>');
  return out;
}

function noData(f: Frame): string {
  return `<text x="${n((f.left + f.width - f.right) / 2)}" y="${n((f.top + f.height - f.bottom) / 2)}" text-anchor="middle" fill="#555555">No data for this selection</text>`;
}

/** Several series over ordered categories: one polyline each, a dot per value (with its own tooltip). */
export function lineChart(input: ChartInput): string {
  const f = frameOf(input);
  const count = input.categories.length;
  // The first and last points sit in by half a label, so their labels stay inside the chart.
  const inset = Math.min(
    (f.width - f.left - f.right) / 4,
    Math.max(0, ...input.categories.map((c) => c.length)) * 3.4,
  );
  const plotW = f.width - f.left - f.right - 2 * inset;
  const xOf = (i: number) => f.left + inset + (count <= 1 ? plotW / 2 : (i / (count - 1)) * plotW);
  const out = open(input, f, 'Line chart');
  out.push(...legend(input, f, 'line'), ...yAxis(input, f), ...xAxis(input, f, xOf));
  if (count === 0 || finiteValues(input.series).length === 0) out.push(noData(f));
  input.series.forEach((s, si) => {
    const color = PALETTE[si % PALETTE.length]!;
    out.push(`<g class="series">`);
    let run: string[] = [];
    const flush = () => {
      if (run.length > 1)
        out.push(`<polyline points="${run.join(' ')}" fill="none" stroke="${color}" stroke-width="2"/>`);
      run = [];
    };
    for (let i = 0; i < count; i++) {
      const v = s.values[i];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        flush();
        continue;
      }
      run.push(`${n(xOf(i))},${n(f.y(v))}`);
    }
    flush();
    const r = count > 60 ? 1.5 : 3;
    for (let i = 0; i < count; i++) {
      const v = s.values[i];
      if (typeof v !== 'number' || !Number.isFinite(v)) continue;
      out.push(
        `<circle cx="${n(xOf(i))}" cy="${n(f.y(v))}" r="${r}" fill="${color}"><title>${escapeXml(`${s.name}, ${input.categories[i]}: ${f.fmt(v)}`)}</title></circle>`,
      );
    }
    out.push('</g>');
  });
  out.push('</svg>');
  return out.join('\n');
}

/** Grouped bars: one group per category, one bar per series, from the zero line. */
export function barChart(input: ChartInput): string {
  const f = frameOf(input);
  const count = input.categories.length;
  const plotW = f.width - f.left - f.right;
  const band = plotW / Math.max(1, count);
  const xOf = (i: number) => f.left + band * (i + 0.5);
  const out = open(input, f, 'Bar chart');
  out.push(...legend(input, f, 'box'), ...yAxis(input, f), ...xAxis(input, f, xOf));
  if (count === 0 || finiteValues(input.series).length === 0) out.push(noData(f));
  const groups = Math.max(1, input.series.length);
  const inner = band * 0.8;
  const barW = inner / groups;
  const zero = f.y(0);
  input.series.forEach((s, si) => {
    const color = PALETTE[si % PALETTE.length]!;
    out.push(`<g class="series">`);
    for (let i = 0; i < count; i++) {
      const v = s.values[i];
      if (typeof v !== 'number' || !Number.isFinite(v)) continue;
      const x = f.left + band * i + (band - inner) / 2 + si * barW;
      const y = Math.min(zero, f.y(v));
      const h = Math.abs(zero - f.y(v));
      out.push(
        `<rect x="${n(x)}" y="${n(y)}" width="${n(Math.max(1, barW - 1))}" height="${n(h)}" fill="${color}"><title>${escapeXml(`${s.name}, ${input.categories[i]}: ${f.fmt(v)}`)}</title></rect>`,
      );
    }
    out.push('</g>');
  });
  out.push('</svg>');
  return out.join('\n');
}

// --- console-admin: timelineChart (the recovery dashboard's backups and drills)

export interface TimelineEvent {
  /** Unix ms. */
  at: number;
  /** The value drawn as the mark's height within its lane; null draws the mark on the base line. */
  value: number | null;
  /** 'fail' draws a cross instead of a dot (shape, not colour alone). */
  state: 'ok' | 'fail';
  /** The mark's tooltip (escaped here). */
  label: string;
}

export interface TimelineLane {
  name: string;
  /** Formats the lane's largest value for its scale label. */
  format?: (v: number) => string;
  events: readonly TimelineEvent[];
}

export interface TimelineInput {
  id: string;
  title: string;
  description?: string;
  /** The time axis, Unix ms. */
  from: number;
  to: number;
  lanes: readonly TimelineLane[];
  width?: number;
}

/**
 * Events over a time axis, one lane per measure (each scaled to its own
 * largest value, printed at the lane's top): a stem and dot per passed
 * event, a cross per failed one. Day ticks (at most ~10 labels).
 */
export function timelineChart(input: TimelineInput): string {
  const width = input.width ?? 720;
  const laneH = 64;
  const left = 150;
  const right = 20;
  const top = 34;
  const bottom = 30;
  const height = top + input.lanes.length * laneH + bottom;
  const span = Math.max(1, input.to - input.from);
  const plotW = width - left - right;
  const xOf = (t: number) =>
    left + ((Math.min(Math.max(t, input.from), input.to) - input.from) / span) * plotW;
  const id = safeId(input.id);
  const total = input.lanes.reduce((s, l) => s + l.events.length, 0);
  const failed = input.lanes.reduce((s, l) => s + l.events.filter((e) => e.state === 'fail').length, 0);
  const desc =
    input.description ??
    (total === 0
      ? 'Timeline: no events in this period.'
      : `Timeline of ${input.lanes.map((l) => `${l.name}: ${l.events.length}`).join('; ')}; ${failed} failed.`);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-labelledby="${id}-title ${id}-desc"` +
      ` width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"` +
      ` font-family="${escapeXml(FONT)}" font-size="12">`,
    `<title id="${id}-title">${escapeXml(input.title)}</title>`,
    `<desc id="${id}-desc">${escapeXml(desc)}</desc>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${n(width / 2)}" y="20" text-anchor="middle" font-size="15" font-weight="600" fill="#1a1a1a">${escapeXml(input.title)}</text>`,
  ];
  // Day ticks.
  const day = 86_400_000;
  const days = Math.ceil(span / day);
  const every = Math.max(1, Math.ceil(days / 10));
  const base = top + input.lanes.length * laneH;
  out.push('<g class="x-axis">');
  const first = Math.ceil(input.from / day) * day;
  for (let t = first, k = 0; t <= input.to; t += day, k++) {
    const x = xOf(t);
    out.push(`<line x1="${n(x)}" y1="${n(top)}" x2="${n(x)}" y2="${n(base)}" stroke="#eeeeee"/>`);
    if (k % every === 0) {
      out.push(
        `<text x="${n(x)}" y="${n(base + 18)}" text-anchor="middle" fill="#333333">${escapeXml(new Date(t).toISOString().slice(5, 10))}</text>`,
      );
    }
  }
  out.push('</g>');
  input.lanes.forEach((lane, li) => {
    const y0 = top + (li + 1) * laneH - 8;
    const values = lane.events
      .map((e) => e.value)
      .filter((v): v is number => v !== null && Number.isFinite(v));
    const max = values.length ? Math.max(...values) : 0;
    const fmt = lane.format ?? defaultFormat;
    const color = PALETTE[li % PALETTE.length]!;
    out.push(
      `<g class="lane">`,
      `<text x="8" y="${n(y0 - 22)}" fill="#1a1a1a" font-weight="600">${escapeXml(lane.name)}</text>`,
      `<text x="8" y="${n(y0 - 6)}" fill="#333333">${escapeXml(max > 0 ? `top: ${fmt(max)}` : lane.events.length ? 'no values' : 'none')}</text>`,
      `<line x1="${n(left)}" y1="${n(y0)}" x2="${n(width - right)}" y2="${n(y0)}" stroke="#555555"/>`,
    );
    for (const e of lane.events) {
      const x = xOf(e.at);
      const h = e.value !== null && max > 0 ? (e.value / max) * (laneH - 20) : 0;
      const y = y0 - h;
      const tip = `<title>${escapeXml(e.label)}</title>`;
      if (e.state === 'fail') {
        out.push(
          `<g class="fail"><path d="M${n(x - 5)},${n(y0 - 5)} L${n(x + 5)},${n(y0 + 5)} M${n(x - 5)},${n(y0 + 5)} L${n(x + 5)},${n(y0 - 5)}" stroke="#D55E00" stroke-width="3"/>` +
            `<rect x="${n(x - 6)}" y="${n(y0 - 6)}" width="12" height="12" fill="#ffffff" fill-opacity="0">${tip}</rect></g>`,
        );
      } else {
        if (h > 0)
          out.push(
            `<line x1="${n(x)}" y1="${n(y0)}" x2="${n(x)}" y2="${n(y)}" stroke="${color}" stroke-width="2"/>`,
          );
        out.push(`<circle cx="${n(x)}" cy="${n(y)}" r="4" fill="${color}">${tip}</circle>`);
      }
    }
    out.push('</g>');
  });
  if (total === 0) {
    out.push(
      `<text x="${n((left + width - right) / 2)}" y="${n((top + base) / 2)}" text-anchor="middle" fill="#555555">No backups or drills in this period</text>`,
    );
  }
  out.push('</svg>');
  return out.join('\n');
}
