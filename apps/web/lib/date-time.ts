/** A moment to the second, in the reader's locale: when a job failed or a delivery was tried. */
export function formatDateTime(iso: string): string {
  return new Date(iso).toLocaleString([], { dateStyle: 'medium', timeStyle: 'medium' });
}
