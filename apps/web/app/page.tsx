import Link from 'next/link';

import { buttonVariants } from '@/components/ui/button';
import { cn } from '@/lib/utils';

const capabilities = [
  {
    title: 'Organizations & tenants',
    body: 'Every record belongs to an organization; isolation is enforced on every query.',
  },
  {
    title: 'Companies & contacts',
    body: 'One place for company information, the people behind it and how they relate.',
  },
  {
    title: 'REST + GraphQL',
    body: 'Both APIs from one schema, with an OpenAPI reference and SDK.',
  },
  { title: 'Jobs & webhooks', body: 'Durable background jobs and signed webhooks with retries.' },
  { title: 'Realtime', body: 'Live updates pushed to clients as data changes.' },
  {
    title: 'Billing & analytics',
    body: 'Plans, usage and the numbers that matter to each tenant.',
  },
  { title: 'Files', body: 'Uploads and attachments stored next to the records they belong to.' },
  { title: 'AI agents', body: 'Agents that read and act on your data through the same APIs.' },
  { title: 'Observability', body: 'Health checks, metrics, structured logs and traces built in.' },
] as const;

export default function HomePage() {
  return (
    <>
      <section className="mx-auto max-w-5xl px-4 pt-16 pb-12 sm:pt-24">
        <p className="text-sm font-medium text-primary">
          Open source · Self-hostable · Multi-tenant
        </p>
        <h1 className="mt-3 text-4xl font-semibold tracking-tight text-balance sm:text-5xl">
          Corebase: the core for your company data and business logic
        </h1>
        <p className="mt-5 max-w-2xl text-lg text-pretty text-muted-foreground">
          Organizations, companies and contacts behind REST and GraphQL APIs, with jobs, webhooks,
          realtime, billing, analytics, files, AI agents and observability included. Start it with
          one command on a laptop; scale it out on Kubernetes when you need to.
        </p>
        <div className="mt-8 flex flex-col gap-3 sm:flex-row">
          {/* /docs is rendered by the API server, so a plain link rather than next/link. */}
          <a href="/docs" className={cn(buttonVariants({ size: 'lg' }))}>
            Read the API reference
          </a>
          <Link href="/status" className={cn(buttonVariants({ variant: 'outline', size: 'lg' }))}>
            Check system status
          </Link>
        </div>
      </section>

      <section aria-labelledby="capabilities" className="border-t border-border bg-muted/50">
        <div className="mx-auto max-w-5xl px-4 py-14">
          <h2 id="capabilities" className="text-2xl font-semibold tracking-tight">
            Everything a company platform needs
          </h2>
          <ul className="mt-8 grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
            {capabilities.map((item) => (
              <li key={item.title} className="rounded-lg border border-border bg-background p-5">
                <h3 className="font-medium">{item.title}</h3>
                <p className="mt-1.5 text-sm text-muted-foreground">{item.body}</p>
              </li>
            ))}
          </ul>
        </div>
      </section>

      <section aria-labelledby="run-it" className="mx-auto max-w-5xl px-4 py-14">
        <h2 id="run-it" className="text-2xl font-semibold tracking-tight">
          Runs where you do
        </h2>
        <div className="mt-6 grid gap-6 md:grid-cols-2">
          <div>
            <h3 className="font-medium">On a laptop</h3>
            <p className="mt-1.5 text-sm text-muted-foreground">
              One process, an embedded database and no other services to install.
            </p>
            <pre className="mt-3 overflow-x-auto rounded-md border border-border bg-muted p-3 font-mono text-sm">
              <code>npm start</code>
            </pre>
          </div>
          <div>
            <h3 className="font-medium">On Kubernetes</h3>
            <p className="mt-1.5 text-sm text-muted-foreground">
              Swap in PostgreSQL and Redis, split the API, workers and web roles, and scale each one
              out on its own.
            </p>
          </div>
        </div>
      </section>
    </>
  );
}
