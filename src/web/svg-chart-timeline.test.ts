/**
 * timelineChart (svg-chart.ts, console-admin block): lanes scaled to their
 * own largest value, a cross for each failure, every text escaped, no
 * script or style, and a "no events" text when empty.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { timelineChart } from './svg-chart.js';

const day = 86_400_000;

test('timelineChart: marks per lane, crosses for failures, escaped labels', () => {
  const svg = timelineChart({
    id: 't1',
    title: 'Backups <b>&</b>',
    from: 0,
    to: 30 * day,
    lanes: [
      {
        name: 'Size <script>',
        events: [
          { at: day, value: 10, state: 'ok', label: 'a <img src=x>' },
          { at: 2 * day, value: 5, state: 'ok', label: 'b' },
          { at: 3 * day, value: null, state: 'fail', label: 'c' },
        ],
      },
      { name: 'Drills', events: [] },
    ],
  });
  assert.equal((svg.match(/<circle /g) ?? []).length, 2);
  assert.equal((svg.match(/class="fail"/g) ?? []).length, 1);
  assert.match(svg, /Backups &lt;b&gt;&amp;&lt;\/b&gt;/);
  assert.match(svg, /Size &lt;script&gt;/);
  assert.match(svg, /a &lt;img src=x&gt;/);
  assert.doesNotMatch(svg, /<script|<img|style=/);
  assert.match(svg, /top: 10/);
  assert.match(svg, /Size &lt;script&gt;: 3; Drills: 0; 1 failed/);
});

test('timelineChart: an empty period says so', () => {
  const svg = timelineChart({ id: 't2', title: 'T', from: 0, to: day, lanes: [{ name: 'A', events: [] }] });
  assert.match(svg, /No backups or drills in this period/);
  assert.match(svg, /no events in this period/);
});
