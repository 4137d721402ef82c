import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { barChart, escapeXml, lineChart, niceTicks } from './svg-chart.js';

/** Tags balance (a small well-formedness check: every element closed, in order). */
function assertWellFormed(svg: string): void {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z][\w-]*)[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = m;
    if (selfClosing) continue;
    if (closing) assert.equal(stack.pop(), name, `</${name}> closes the open element`);
    else stack.push(name!);
  }
  assert.deepEqual(stack, [], 'every element closed');
  assert.doesNotMatch(svg.replace(/&(amp|lt|gt|quot|#39);/g, ''), /&/, 'no bare ampersand');
}

const hostile = `<script>alert("x")</script> & 'q'`;

describe('svg charts', () => {
  it('escapes every text: title, description, series names, categories, axis labels', () => {
    for (const chart of [lineChart, barChart]) {
      const svg = chart({
        id: 'c1',
        title: hostile,
        description: hostile,
        categories: [hostile, 'b'],
        series: [{ name: hostile, values: [1, 2] }],
        xLabel: hostile,
        yLabel: hostile,
      });
      assertWellFormed(svg);
      assert.doesNotMatch(svg, /<script/i);
      assert.match(svg, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt; &amp; &#39;q&#39;/);
    }
    assert.equal(escapeXml(`<a href="x">&'`), '&lt;a href=&quot;x&quot;&gt;&amp;&#39;');
  });

  it('is accessible and self-contained: role img, labelled by its title and description; no script, style, link or external asset', () => {
    const svg = lineChart({
      id: 'backlog "1"',
      title: 'Backlog',
      categories: ['2026-01-01', '2026-01-02', '2026-01-03'],
      series: [
        { name: 'incident', values: [3, 5, 4] },
        { name: 'service request', values: [1, null, 2] },
      ],
    });
    assertWellFormed(svg);
    assert.match(
      svg,
      /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]* role="img" aria-labelledby="backlog__1_-title backlog__1_-desc"/,
    );
    assert.match(svg, /<title id="backlog__1_-title">Backlog<\/title>/);
    // The description summarizes the data when none is given.
    assert.match(
      svg,
      /<desc id="backlog__1_-desc">Line chart of 2 series over 3 categories \(2026-01-01 to 2026-01-03\)\. incident: from 3 to 5; service request: from 1 to 2\.<\/desc>/,
    );
    for (const banned of [
      /<script/i,
      /style=/i,
      /<style/i,
      /href/i,
      /url\(/i,
      /<image/i,
      /<foreignObject/i,
      /\son\w+=/i,
    ])
      assert.doesNotMatch(svg, banned);
    // The legend names every series.
    assert.match(svg, /<text[^>]*>incident<\/text>/);
    assert.match(svg, /<text[^>]*>service request<\/text>/);
  });

  it('line chart: a dot with a tooltip per value, a line per run of values (a null breaks it)', () => {
    const svg = lineChart({
      id: 'l',
      title: 'T',
      categories: ['a', 'b', 'c', 'd'],
      series: [
        { name: 's1', values: [1, 2, 3, 4] },
        { name: 's2', values: [1, null, 3, 4] },
      ],
    });
    assert.equal([...svg.matchAll(/<circle /g)].length, 7);
    // s1: one line through 4 points; s2: a lone point (no line) and a line through 2.
    assert.equal([...svg.matchAll(/<polyline /g)].length, 2);
    assert.match(svg, /<title>s2, c: 3<\/title>/);
    assert.doesNotMatch(svg, /<title>s2, b:/);
  });

  it('bar chart: one bar per value, grouped by category, from the zero line; negative values below it', () => {
    const svg = barChart({
      id: 'b',
      title: 'T',
      categories: ['P1', 'P2', 'P3'],
      series: [
        { name: 'mean', values: [2, 4, 8] },
        { name: 'p90', values: [3, -2, 9] },
      ],
      format: (v) => `${v} h`,
    });
    assertWellFormed(svg);
    const bars = [
      ...svg.matchAll(
        /<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" fill="[^"]+"><title>([^<]*)<\/title>/g,
      ),
    ];
    assert.equal(bars.length, 6);
    const byTitle = new Map(bars.map((b) => [b[5], { x: Number(b[1]), y: Number(b[2]), h: Number(b[4]) }]));
    const p1mean = byTitle.get('mean, P1: 2 h')!;
    const p1p90 = byTitle.get('p90, P1: 3 h')!;
    const p3p90 = byTitle.get('p90, P3: 9 h')!;
    const p2p90 = byTitle.get('p90, P2: -2 h')!;
    assert.ok(p1mean.x < p1p90.x && p1p90.x < p3p90.x, 'grouped per category, series side by side');
    assert.ok(p3p90.h > p1p90.h && p1p90.h > p1mean.h, 'heights follow the values');
    assert.ok(p2p90.y >= p1mean.y + p1mean.h - 0.2, 'a negative bar hangs below the zero line');
    assert.match(svg, />-2 h<\/text>|>0 h<\/text>/, 'the axis uses the format');
  });

  it('draws an empty chart that says so, and survives one category, all-equal values and many categories', () => {
    for (const chart of [lineChart, barChart]) {
      const empty = chart({ id: 'e', title: 'Empty', categories: [], series: [] });
      assertWellFormed(empty);
      assert.match(empty, /No data for this selection/);
      assert.match(empty, /<desc id="e-desc">[^<]*no data\.<\/desc>/);
      assertWellFormed(
        chart({ id: 'o', title: 'One', categories: ['x'], series: [{ name: 's', values: [0] }] }),
      );
      const many = chart({
        id: 'm',
        title: 'Many',
        categories: Array.from({ length: 365 }, (_, i) => `day ${i}`),
        series: [{ name: 's', values: Array.from({ length: 365 }, () => 7) }],
      });
      assertWellFormed(many);
      assert.doesNotMatch(many, /NaN|Infinity/);
      // Labels thinned so they do not overlap: far fewer than 365, and the last one shown.
      const labels = [...many.matchAll(/>day \d+<\/text>/g)].length;
      assert.ok(labels > 3 && labels < 40, `${labels} labels`);
      assert.match(many, />day 364<\/text>/);
    }
  });

  it('nice ticks cover the data with steps of 1, 2 or 5 times a power of ten, from zero', () => {
    assert.deepEqual(niceTicks(0, 9), [0, 2, 4, 6, 8, 10]);
    assert.deepEqual(niceTicks(0, 100), [0, 20, 40, 60, 80, 100]);
    assert.deepEqual(niceTicks(3, 3), [0, 1, 2, 3]);
    assert.deepEqual(niceTicks(0, 0), [0, 0.2, 0.4, 0.6, 0.8, 1]);
    assert.deepEqual(niceTicks(-3, 7), [-4, -2, 0, 2, 4, 6, 8]);
    assert.deepEqual(niceTicks(0, 0.37), [0, 0.1, 0.2, 0.3, 0.4]);
  });
});
