/** Projector codes, the early-leave window, the attendance list, overrides, spot checks, insights and export. */
import { EXPORT_COLUMNS, routes } from '@qrca/contract';
import { stringify } from 'csv-stringify/sync';
import { ValidationError } from '../middleware/errors';
import type { ExportRow } from '../services/attendance.service';
import { toWellFormed } from '../utils/text';
import { defineRoute } from './http';

/** Spreadsheets run cells that start with these as formulas (`|` for DDE); such cells get a leading apostrophe. */
const FORMULA_START = /^[=+\-@|]/;
/** Characters a spreadsheet skips before it looks for a formula: whitespace, zero-width and direction marks. */
const INVISIBLE_LEAD = /^[\s\u00AD\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]+/u;

/**
 * Whether a spreadsheet could read `cell` as a formula: it starts with a control character, or its first
 * visible character is (or folds, like the full-width `＝`, to) a formula sign. OWASP's CSV-injection rule,
 * widened to what hostile testing found.
 */
export function isFormulaLike(cell: string): boolean {
  if (/^[\t\r\n]/.test(cell)) return true;
  return FORMULA_START.test(cell.replace(INVISIBLE_LEAD, '').slice(0, 8).normalize('NFKC'));
}

/** RFC 4180 CSV (CRLF, quotes as needed), UTF-8, safe against CSV injection; optional BOM for Excel. */
export function exportCsv(rows: readonly ExportRow[], bom: boolean): string {
  const safe = rows.map((row) =>
    EXPORT_COLUMNS.map((column) => (isFormulaLike(row[column]) ? `'${row[column]}` : row[column])),
  );
  return stringify([[...EXPORT_COLUMNS], ...safe], { record_delimiter: '\r\n', bom });
}

/** `<title>-<date>.<ext>` in ASCII for old clients, with the full UTF-8 name as `filename*`. */
export function contentDisposition(rawTitle: string, startAt: string, extension: 'csv' | 'json'): string {
  // Titles stored before lone surrogates were refused must still export.
  const title = toWellFormed(rawTitle);
  const date = startAt.slice(0, 10);
  const ascii = `${
    title
      .normalize('NFKD')
      .replace(/[^\w -]+/g, '')
      .trim()
      .replace(/\s+/g, '-')
      .slice(0, 80) || 'attendance'
  }-${date}.${extension}`;
  const full = `${title.trim().replace(/[\\/:*?"<>|\r\n]+/g, '-')}-${date}.${extension}`;
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(full)}`;
}

export const attendanceRoutes = [
  defineRoute(routes.codesGet, async ({ caller, params, clientIp, services }) => ({
    jsonBody: await services.tokens.currentCode(caller, params.id, params.kind, clientIp),
  })),

  defineRoute(routes.earlyLeaveOpen, async ({ caller, params, services }) => ({
    jsonBody: await services.lifecycle.setEarlyLeave(caller, params.id, true),
  })),

  defineRoute(routes.earlyLeaveClose, async ({ caller, params, services }) => ({
    jsonBody: await services.lifecycle.setEarlyLeave(caller, params.id, false),
  })),

  defineRoute(routes.attendanceGet, async ({ caller, params, services }) => ({
    jsonBody: await services.attendance.attendance(caller, params.id),
  })),

  defineRoute(routes.attendanceOverride, async ({ caller, params, body, services }) => ({
    jsonBody: await services.attendance.override(caller, params.id, params.studentId, body),
  })),

  defineRoute(routes.spotChecksStart, async ({ caller, params, body, services }) => ({
    status: 201,
    jsonBody: await services.attendance.startSpotCheck(caller, params.id, body.count),
  })),

  defineRoute(routes.spotChecksAnswer, async ({ caller, params, body, services }) => ({
    jsonBody: await services.attendance.answerSpotCheck(caller, params.id, params.spotCheckId, body),
  })),

  defineRoute(routes.insightsGet, async ({ caller, params, request, services }) => {
    const summary = request.query.get('summary') ?? 'include';
    if (summary !== 'include' && summary !== 'skip') {
      throw new ValidationError('Use ?summary=include or ?summary=skip.', [
        { path: 'summary', message: 'include or skip' },
      ]);
    }
    return { jsonBody: await services.insights.insights(caller, params.id, { summary: summary === 'include' }) };
  }),

  defineRoute(routes.exportGet, async ({ caller, params, request, services }) => {
    const format = request.query.get('format') ?? 'csv';
    if (format !== 'csv' && format !== 'json') {
      throw new ValidationError('Use ?format=csv or ?format=json.', [{ path: 'format', message: 'csv or json' }]);
    }
    const { session, rows } = await services.attendance.exportRows(caller, params.id);
    const disposition = contentDisposition(session.title, session.startAt, format);
    if (format === 'json') {
      const headers: Record<string, string> = { 'Content-Disposition': disposition };
      return { jsonBody: { columns: [...EXPORT_COLUMNS], rows }, headers };
    }
    return {
      body: exportCsv(rows, request.query.get('bom') === '1'),
      headers: { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': disposition },
    };
  }),
];
