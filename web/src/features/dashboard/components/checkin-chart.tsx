/**
 * The cumulative check-in curve as a uPlot chart (canvas): students checked in against the time since entry began,
 * a step at each second with check-ins. As wide as its box (followed with a ResizeObserver), drawn in the page's
 * colours (light or dark, redrawn when the scheme changes). The canvas is an image named by `label`; the numbers
 * themselves are in the panel's table for screen readers and keyboards.
 */
import type { CurvePoint } from '@qrca/contract';
import { useEffect, useMemo, useRef, useSyncExternalStore } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { chartSeries, formatTick } from '../lib/insights-view';

const DARK = '(prefers-color-scheme: dark)';

function subscribeScheme(onChange: () => void): () => void {
  const query = window.matchMedia(DARK);
  query.addEventListener('change', onChange);
  return () => query.removeEventListener('change', onChange);
}
const isDark = () => window.matchMedia(DARK).matches;

/** Whether the page is dark now (the colours the chart takes from the page's custom properties change with it). */
const useDarkScheme = () => useSyncExternalStore(subscribeScheme, isDark, () => false);

/** The chart's height for its width: shorter on a phone, never a thin strip nor a tall block. */
const heightFor = (width: number) => Math.round(Math.min(300, Math.max(190, width * 0.4)));

/** `#rrggbb` with an alpha; other colours as they are. */
function withAlpha(color: string, alpha: number): string {
  if (!/^#[0-9a-f]{6}$/i.test(color)) return color;
  return `${color}${Math.round(alpha * 255)
    .toString(16)
    .padStart(2, '0')}`;
}

/** Tick steps on the time axis (seconds): whole seconds, then round minutes and hours. */
const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400];
/** Tick steps on the count axis: whole students. */
const COUNT_STEPS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000];

export interface CheckinChartProps {
  /** The points (`atMs` after entry began, students checked in by then); at least one. */
  readonly curve: readonly CurvePoint[];
  /** The count axis reaches at least this (the students who joined). */
  readonly ceiling: number;
  /** The chart's accessible name: the curve in a sentence. */
  readonly label: string;
}

/** Throws nothing; the plot is destroyed on unmount and made again when its data or colours change. */
export function CheckinChart({ curve, ceiling, label }: CheckinChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const dark = useDarkScheme();
  const data = useMemo(() => chartSeries(curve), [curve]);

  useEffect(() => {
    const element = box.current;
    if (!element || data[0].length === 0) return;
    const style = getComputedStyle(element);
    const color = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
    const fg = color('--fg', dark ? '#f1f5f9' : '#111827');
    const muted = color('--muted', dark ? '#cbd5e1' : '#4b5563');
    const line = color('--line', dark ? '#475569' : '#d1d5db');
    const accent = color('--accent', dark ? '#93c5fd' : '#1b4d8c');
    const font = `14px ${style.fontFamily || 'system-ui, sans-serif'}`;
    const labelFont = `600 14px ${style.fontFamily || 'system-ui, sans-serif'}`;
    const top = Math.max(1, ceiling, ...data[1]);
    // A few points are marked (the seconds with check-ins, not the start at nobody nor the level tail).
    const few = curve.length <= 40;
    const offset = data[0].length - 1 - curve.length;
    const marked = Array.from({ length: curve.length }, (_, i) => i + offset);
    const width = Math.max(200, Math.floor(element.clientWidth));

    const options: uPlot.Options = {
      width,
      height: heightFor(width),
      legend: { show: false },
      cursor: { show: false, drag: { x: false, y: false } },
      select: { show: false, left: 0, top: 0, width: 0, height: 0 },
      // Room at the right for the last time label, centred on its tick.
      padding: [12, 40, 0, 0],
      scales: {
        x: { time: false, range: (_plot, _min, max) => [0, Math.max(1, max ?? 1)] },
        y: { range: () => [0, top] },
      },
      axes: [
        {
          stroke: muted,
          font,
          label: 'Time since entry began',
          labelFont,
          labelSize: 28,
          space: 90,
          incrs: TIME_STEPS,
          values: (_plot, splits) => splits.map(formatTick),
          grid: { stroke: line, width: 1 },
          ticks: { stroke: line, width: 1, size: 6 },
        },
        {
          stroke: muted,
          font,
          label: 'Checked in',
          labelFont,
          labelSize: 28,
          size: 48,
          space: 36,
          incrs: COUNT_STEPS,
          values: (_plot, splits) => splits.map((value) => String(value)),
          grid: { stroke: line, width: 1 },
          ticks: { stroke: line, width: 1, size: 6 },
        },
      ],
      series: [
        {},
        {
          label: 'Checked in',
          stroke: accent,
          width: 3,
          fill: withAlpha(accent, dark ? 0.25 : 0.15),
          paths: uPlot.paths.stepped?.({ align: 1 }),
          points: { show: few, filter: marked, size: 7, width: 2, stroke: accent, fill: accent },
        },
      ],
    };
    const plot = new uPlot(options, data, element);
    const canvas = plot.ctx.canvas;
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', label);
    plot.root.style.color = fg;

    let shown = width;
    const observer = new ResizeObserver(() => {
      const next = Math.max(200, Math.floor(element.clientWidth));
      if (next === shown) return;
      shown = next;
      plot.setSize({ width: next, height: heightFor(next) });
    });
    observer.observe(element);
    return () => {
      observer.disconnect();
      plot.destroy();
    };
  }, [curve, data, ceiling, label, dark]);

  return <div ref={box} className="dash-insights-chart" />;
}
