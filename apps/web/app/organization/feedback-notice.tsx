import type { TFeedback } from '@/app/organization/use-api-action';
import { Notice } from '@/components/ui/notice';

export function FeedbackNotice({ feedback }: { feedback: TFeedback | null }) {
  if (!feedback) return null;
  return <Notice tone={feedback.tone}>{feedback.message}</Notice>;
}
