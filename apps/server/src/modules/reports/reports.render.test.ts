import { getDocument, VerbosityLevel } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { describe, expect, it } from 'vitest';
import {
  renderCsv,
  renderPdf,
  type TReportDocument,
  type TReportSection,
} from '#server/modules/reports/reports.render';

const bom = '\ufeff';

/** The text of each page, as a reader extracts it. */
async function pagesOf(pdf: Buffer): Promise<string[]> {
  const loaded = await getDocument({
    data: new Uint8Array(pdf),
    isEvalSupported: false,
    verbosity: VerbosityLevel.ERRORS,
  }).promise;
  const pages: string[] = [];
  for (let number = 1; number <= loaded.numPages; number++) {
    const content = await (await loaded.getPage(number)).getTextContent();
    pages.push(content.items.map((item) => ('str' in item ? item.str : '')).join(' '));
  }
  await loaded.destroy();
  return pages;
}

const members: TReportSection = {
  heading: 'Members',
  columns: [
    { key: 'name', label: 'Name', width: 2 },
    { key: 'email', label: 'Email', width: 3 },
    { key: 'role', label: 'Role' },
  ],
  rows: [],
};

const documentOf = (sections: TReportSection[]): TReportDocument => ({
  title: 'Members report',
  organization: 'Acme Société',
  period: '1 Nov 2026 – 1 Dec 2026',
  generatedAt: new Date('2026-12-01T14:03:00Z'),
  sections,
});

describe('renderCsv', () => {
  it('writes a BOM, a header of labels and CRLF rows, quoting as RFC 4180 says', () => {
    const csv = renderCsv({
      ...members,
      rows: [
        { name: 'Doe, Jane', email: 'jane@acme.test', role: 'said "hi"' },
        { name: 'Two\nlines', email: 'a\rb', role: 'Zoë Müller' },
      ],
    });
    expect(csv.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(csv.toString('utf8')).toBe(
      `${bom}Name,Email,Role\r\n` +
        `"Doe, Jane",jane@acme.test,"said ""hi"""\r\n` +
        `"Two\nlines","a\rb",Zoë Müller\r\n`,
    );
  });

  it('leaves null and missing cells empty', () => {
    const csv = renderCsv({ ...members, rows: [{ name: 'A', email: null }] });
    expect(csv.toString('utf8')).toBe(`${bom}Name,Email,Role\r\nA,,\r\n`);
  });

  it('neutralises spreadsheet formulas in text, but keeps numbers as numbers', () => {
    const section: TReportSection = {
      heading: 'x',
      columns: [
        { key: 'v', label: 'Value' },
        { key: 'n', label: 'Count' },
      ],
      rows: [
        { v: '=HYPERLINK("http://evil.test","x")', n: -5 },
        { v: '+1', n: 0 },
        { v: '-1', n: 1.5 },
        { v: '@SUM(A1)', n: null },
        { v: '\tx', n: null },
        { v: '\rx', n: null },
        { v: 'a=b', n: null },
      ],
    };
    const lines = renderCsv(section).toString('utf8').slice(1).split('\r\n');
    expect(lines).toEqual([
      'Value,Count',
      `"'=HYPERLINK(""http://evil.test"",""x"")",-5`,
      `'+1,0`,
      `'-1,1.5`,
      `'@SUM(A1),`,
      `'\tx,`,
      `"'\rx",`,
      `a=b,`,
      '',
    ]);
  });
});

describe('renderPdf', () => {
  it('writes the title block, the table and the footer as real text', async () => {
    const pdf = await renderPdf(
      documentOf([
        {
          ...members,
          summary: [['Members', '2']],
          rows: [
            { name: 'Zoë Müller', email: 'zoe@acme.test', role: 'owner' },
            { name: 'Jan Novák', email: null, role: 'member' },
          ],
        },
        { ...members, heading: 'Invitations', rows: [] },
      ]),
    );
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const pages = await pagesOf(pdf);
    expect(pages).toHaveLength(1);
    const text = pages[0]!;
    for (const expected of [
      'Members report',
      'Acme Société',
      'Period: 1 Nov 2026 – 1 Dec 2026',
      'Generated 2026-12-01 14:03 UTC',
      'Name',
      'Zoë Müller',
      'zoe@acme.test',
      'Jan Novák',
      'Invitations',
      'No entries.',
      'Page 1 of 1',
    ]) {
      expect(text).toContain(expected);
    }
    expect(text).toMatch(/Members:\s+2/);
  });

  it('breaks 2,000 rows over pages, repeating the header, numbering every page', async () => {
    const rows = Array.from({ length: 2000 }, (_, index) => ({
      name: `Member ${index + 1}`,
      email: `member${index + 1}@acme.test`,
      role: 'member',
    }));
    const fractions: number[] = [];
    const pdf = await renderPdf(documentOf([{ ...members, rows }]), (fraction) => {
      fractions.push(fraction);
    });
    const pages = await pagesOf(pdf);
    expect(pages.length).toBeGreaterThan(30);
    pages.forEach((text, index) => {
      expect(text).toContain(`Page ${index + 1} of ${pages.length}`);
      expect(text).toMatch(/Name\s+Email\s+Role/);
    });
    expect(pages[0]).toContain('Member 1 ');
    expect(pages.at(-1)).toContain('member2000@acme.test');

    expect(fractions.at(-1)).toBe(1);
    expect(fractions.length).toBeLessThanOrEqual(11);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    expect(fractions.every((fraction) => fraction > 0 && fraction <= 1)).toBe(true);
  });

  it('cuts text that does not fit its column, with an ellipsis', async () => {
    const long = 'An extraordinarily long name that cannot possibly fit in its column';
    const pdf = await renderPdf(documentOf([{ ...members, rows: [{ name: long, role: long }] }]));
    const text = (await pagesOf(pdf))[0]!;
    expect(text).not.toContain(long);
    expect(text).toMatch(/An extraordinarily[\w ]*…/);
  });

  it('replaces what Helvetica cannot show instead of failing or printing garbage', async () => {
    const pdf = await renderPdf({
      ...documentOf([
        {
          ...members,
          rows: [
            { name: '李小龍 😀', email: 'li@acme.test', role: 'owner' },
            { name: 'Łukasz Őrs', email: 'family 👨‍👩‍👧', role: 'Ｍember' },
          ],
        },
      ]),
      organization: 'Ωmega 株式会社',
    });
    const text = (await pagesOf(pdf))[0]!;
    expect(text).toContain('??? ?');
    expect(text).toContain('?ukasz Ors');
    expect(text).toContain('family ?');
    expect(text).toContain('Member');
    expect(text).toContain('?mega ????');
  });
});
