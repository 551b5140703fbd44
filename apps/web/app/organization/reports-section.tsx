import { TextLink } from '@/components/ui/text-link';
import { reportsPath } from '@/lib/report-form';

/** Reports have a page of their own (requests, progress, downloads): this only leads there. */
export function ReportsSection() {
  return (
    <section aria-labelledby="reports-link-heading">
      <h2 id="reports-link-heading" className="text-lg font-semibold">
        Reports
      </h2>
      <p className="mt-1 text-sm text-muted-foreground">
        Download the members or the activity of this organization as CSV or PDF.{' '}
        <TextLink href={reportsPath}>Open reports</TextLink>
      </p>
    </section>
  );
}
