'use client';

import { useState } from 'react';

import { DeadLetterList } from '@/app/admin/jobs/dead-letter-list';
import { QueueHealth } from '@/app/admin/jobs/queue-health';

export function JobsPanel() {
  // A retry enqueues new jobs: the queue table reads again after one.
  const [statsKey, setStatsKey] = useState(0);
  return (
    <div className="mt-8 space-y-12">
      <QueueHealth refreshKey={statsKey} />
      <DeadLetterList onChanged={() => setStatsKey((n) => n + 1)} />
    </div>
  );
}
