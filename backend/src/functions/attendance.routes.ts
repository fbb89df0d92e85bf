/** Projector codes, the early-leave window, the attendance list, overrides and export. */
import { EXPORT_COLUMNS, ProjectorKindSchema, routes } from '@qrca/contract';
import { stringify } from 'csv-stringify/sync';
import { ValidationError, validationErrorFromZod } from '../middleware/errors';
import type { ExportRow } from '../services/attendance.service';
import { defineRoute } from './http';

/** Spreadsheets run cells that start with these as formulas; such cells get a leading apostrophe. */
const FORMULA_START = /^[=+\-@\t\r]/;

/** RFC 4180 CSV (CRLF, quotes as needed), UTF-8, safe against CSV injection; optional BOM for Excel. */
export function exportCsv(rows: readonly ExportRow[], bom: boolean): string {
  const safe = rows.map((row) =>
    EXPORT_COLUMNS.map((column) => (FORMULA_START.test(row[column]) ? `'${row[column]}` : row[column])),
  );
  return stringify([[...EXPORT_COLUMNS], ...safe], { record_delimiter: '\r\n', bom });
}

/** `<title>-<date>.<ext>` in ASCII for old clients, with the full UTF-8 name as `filename*`. */
export function contentDisposition(title: string, startAt: string, extension: 'csv' | 'json'): string {
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
  defineRoute(routes.codesGet, async ({ caller, params, services }) => {
    const kind = ProjectorKindSchema.safeParse(params.kind);
    if (!kind.success) throw validationErrorFromZod(kind.error, 'Unknown code kind.');
    return { jsonBody: await services.tokens.currentCode(caller, params.id ?? '', kind.data) };
  }),

  defineRoute(routes.earlyLeaveOpen, async ({ caller, params, services }) => ({
    jsonBody: await services.sessions.setEarlyLeave(caller, params.id ?? '', true),
  })),

  defineRoute(routes.earlyLeaveClose, async ({ caller, params, services }) => ({
    jsonBody: await services.sessions.setEarlyLeave(caller, params.id ?? '', false),
  })),

  defineRoute(routes.attendanceGet, async ({ caller, params, services }) => ({
    jsonBody: await services.attendance.attendance(caller, params.id ?? ''),
  })),

  defineRoute(routes.attendanceOverride, async ({ caller, params, body, services }) => ({
    jsonBody: await services.attendance.override(caller, params.id ?? '', params.studentId ?? '', body),
  })),

  defineRoute(routes.exportGet, async ({ caller, params, request, services }) => {
    const format = request.query.get('format') ?? 'csv';
    if (format !== 'csv' && format !== 'json') {
      throw new ValidationError('Use ?format=csv or ?format=json.', [{ path: 'format', message: 'csv or json' }]);
    }
    const { session, rows } = await services.attendance.exportRows(caller, params.id ?? '');
    const disposition = contentDisposition(session.title, session.startAt, format);
    if (format === 'json') {
      const headers: Record<string, string> = { 'Content-Disposition': disposition };
      return { jsonBody: { columns: EXPORT_COLUMNS, rows }, headers };
    }
    return {
      body: exportCsv(rows, request.query.get('bom') === '1'),
      headers: { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': disposition },
    };
  }),
];
