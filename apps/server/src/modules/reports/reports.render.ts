import { setImmediate as nextTurn } from 'node:timers/promises';
import { stringify } from 'csv-stringify/sync';
import PDFDocument from 'pdfkit';

export type TReportColumn = {
  key: string;
  label: string;
  /** relative width in the PDF */
  width?: number;
};
export type TReportSection = {
  heading: string;
  columns: TReportColumn[];
  rows: Record<string, string | number | null>[];
  /** label → value lines printed above the table in the PDF */
  summary?: [string, string][];
};
export type TReportDocument = {
  title: string;
  organization: string;
  /** e.g. "1 Nov 2026 – 1 Dec 2026", or null */
  period: string | null;
  generatedAt: Date;
  sections: TReportSection[];
};

/**
 * A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection"):
 * a member named `=HYPERLINK(…)` must stay text. Only strings: a negative number is a number.
 */
const formulaStart = /^[=+\-@\t\r]/;
const neutralized = (value: string) => (formulaStart.test(value) ? `'${value}` : value);

/**
 * One section as RFC 4180 CSV: a header row of labels, then the rows; CRLF line endings, and a
 * BOM, without which Excel reads UTF-8 as ANSI and mangles every accent.
 */
export function renderCsv(section: TReportSection): Buffer {
  const records = [
    section.columns.map((column) => column.label),
    ...section.rows.map((row) => section.columns.map((column) => row[column.key] ?? null)),
  ];
  const text = stringify(records, {
    bom: true,
    record_delimiter: 'windows',
    // csv-stringify quotes on the record delimiter (CRLF) only; a lone LF or CR needs quotes too.
    quoted_match: /[\r\n]/,
    cast: { string: neutralized },
  });
  return Buffer.from(text, 'utf8');
}

/**
 * The standard PDF fonts (Helvetica) are WinAnsi-encoded: Latin-1 plus these. pdfkit writes any
 * other character as a wrong byte, so text is mapped to this set first.
 */
const winAnsiExtras = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');
const plainAscii = /^[\x20-\x7e]*$/;
const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

function encodable(text: string): boolean {
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    const ok =
      (code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) || winAnsiExtras.has(char);
    if (!ok) return false;
  }
  return true;
}

/**
 * One line of WinAnsi text. A character outside it loses its accent where that is enough
 * (`ő` → `o`, full-width `Ａ` → `A`); anything else (CJK, emoji, `ł`) becomes one `?` per
 * visible character. Line breaks and tabs become spaces, as cells are one line.
 */
function pdfText(value: string | number): string {
  const text = String(value).replace(/\s+/g, ' ');
  if (plainAscii.test(text)) return text;
  let out = '';
  for (const { segment } of graphemes.segment(text.normalize('NFC'))) {
    if (encodable(segment)) {
      out += segment;
      continue;
    }
    const base = segment.normalize('NFKD').replace(/\p{M}/gu, '');
    out += base !== '' && encodable(base) ? base : '?';
  }
  return out;
}

const fonts = { regular: 'Helvetica', bold: 'Helvetica-Bold', italic: 'Helvetica-Oblique' };
const margin = { top: 50, bottom: 60, left: 50, right: 50 };
const tableFontSize = 9;
const rowHeight = 16;
const cellPadding = 4;
const grey = '#6b7280';
const stripe = '#f3f4f6';

/** 2026-12-01 14:03 UTC: the same whatever the server's time zone. */
const utc = (date: Date) => `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/**
 * A4 report: title block, then per section a heading, its summary lines and a table whose header
 * row repeats on every page; "Page X of Y" in the footer. `onProgress` gets the fraction of rows
 * laid out, at most every 1 % and every 200 rows, and the event loop gets a turn each time: a
 * large report is seconds of synchronous layout otherwise.
 */
export async function renderPdf(
  doc: TReportDocument,
  onProgress?: (fraction: number) => void | Promise<void>,
): Promise<Buffer> {
  const pdf = new PDFDocument({
    size: 'A4',
    margins: margin,
    bufferPages: true,
    // The info dictionary takes any Unicode; only the page text is limited to WinAnsi.
    info: {
      Title: doc.title,
      Author: doc.organization,
      Creator: 'Corebase',
      CreationDate: doc.generatedAt,
    },
  });
  const chunks: Uint8Array[] = [];
  pdf.on('data', (chunk: Uint8Array) => chunks.push(chunk));

  const left = margin.left;
  const contentWidth = pdf.page.width - margin.left - margin.right;
  // Cells are drawn at fixed positions without line breaking, so pdfkit never adds a page by
  // itself inside a table: page breaks are ours, and so is the repeated header.
  const tableBottom = () => pdf.page.height - margin.bottom;

  /** The longest prefix that fits `width` at the current font, with an ellipsis if cut. */
  function fitted(text: string, width: number): string {
    if (pdf.widthOfString(text) <= width) return text;
    let low = 0;
    let high = text.length;
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if (pdf.widthOfString(`${text.slice(0, mid).trimEnd()}…`) <= width) low = mid;
      else high = mid - 1;
    }
    return low === 0 ? '' : `${text.slice(0, low).trimEnd()}…`;
  }

  pdf.font(fonts.bold).fontSize(18).text(pdfText(doc.title), left, margin.top, {
    width: contentWidth,
  });
  pdf.moveDown(0.2).font(fonts.regular).fontSize(11).text(pdfText(doc.organization));
  pdf.fontSize(9).fillColor(grey);
  if (doc.period !== null) pdf.text(`Period: ${pdfText(doc.period)}`);
  pdf.text(`Generated ${utc(doc.generatedAt)}`).fillColor('black');

  const totalRows = doc.sections.reduce((sum, section) => sum + section.rows.length, 0);
  const step = Math.max(200, Math.ceil(totalRows / 100));
  let laidOut = 0;

  for (const section of doc.sections) {
    pdf.moveDown(1.2);
    // Heading, summary and a few rows together, or a new page: no heading alone at the bottom.
    const summaryLines = section.summary?.length ?? 0;
    if (pdf.y + 30 + summaryLines * 13 + 3 * rowHeight > tableBottom()) pdf.addPage();
    pdf.font(fonts.bold).fontSize(13).text(pdfText(section.heading), left, pdf.y, {
      width: contentWidth,
    });
    pdf.moveDown(0.3).fontSize(9);
    for (const [label, value] of section.summary ?? []) {
      pdf.font(fonts.bold).text(`${pdfText(label)}: `, { continued: true, width: contentWidth });
      pdf.font(fonts.regular).text(pdfText(value));
    }
    pdf.moveDown(0.5);

    const weights = section.columns.map((column) => Math.max(column.width ?? 1, 0));
    const weightSum = weights.reduce((sum, weight) => sum + weight, 0) || 1;
    const columns = section.columns.map((column, index) => ({
      key: column.key,
      label: pdfText(column.label),
      width: (contentWidth * (weights[index] ?? 0)) / weightSum,
    }));

    let y = pdf.y;
    const drawHeader = () => {
      pdf.font(fonts.bold).fontSize(tableFontSize).fillColor('black');
      let x = left;
      for (const column of columns) {
        const label = fitted(column.label, column.width - 2 * cellPadding);
        pdf.text(label, x + cellPadding, y + 4, { lineBreak: false });
        x += column.width;
      }
      pdf
        .moveTo(left, y + rowHeight)
        .lineTo(left + contentWidth, y + rowHeight)
        .lineWidth(0.5)
        .stroke();
      y += rowHeight;
      pdf.font(fonts.regular);
    };
    drawHeader();

    for (const [index, row] of section.rows.entries()) {
      if (y + rowHeight > tableBottom()) {
        pdf.addPage();
        y = margin.top;
        drawHeader();
      }
      if (index % 2 === 1) {
        pdf.rect(left, y, contentWidth, rowHeight).fill(stripe).fillColor('black');
      }
      let x = left;
      for (const column of columns) {
        const value = row[column.key];
        if (value !== null && value !== undefined) {
          const text = fitted(pdfText(value), column.width - 2 * cellPadding);
          pdf.text(text, x + cellPadding, y + 4, { lineBreak: false });
        }
        x += column.width;
      }
      y += rowHeight;
      laidOut += 1;
      if (laidOut % step === 0) {
        await onProgress?.(laidOut / totalRows);
        await nextTurn();
      }
    }
    if (section.rows.length === 0) {
      pdf
        .font(fonts.italic)
        .fillColor(grey)
        .text('No entries.', left + cellPadding, y + 4, {
          lineBreak: false,
        });
      pdf.fillColor('black');
      y += rowHeight;
    }
    pdf.x = left;
    pdf.y = y;
  }

  pdf.font(fonts.regular).fontSize(8);
  const footer = fitted(pdfText(`${doc.title} · ${doc.organization}`), contentWidth * 0.7);
  const { start, count } = pdf.bufferedPageRange();
  for (let page = start; page < start + count; page++) {
    pdf.switchToPage(page);
    const y = pdf.page.height - margin.bottom + 25;
    pdf.font(fonts.regular).fontSize(8).fillColor(grey);
    pdf.text(footer, left, y, { lineBreak: false });
    const number = `Page ${page - start + 1} of ${count}`;
    pdf.text(number, left + contentWidth - pdf.widthOfString(number), y, { lineBreak: false });
  }

  const ended = new Promise<void>((resolve, reject) => {
    pdf.on('end', resolve);
    pdf.on('error', reject);
  });
  pdf.end();
  await ended;
  await onProgress?.(1);
  return Buffer.concat(chunks);
}
