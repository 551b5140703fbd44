import { Notice } from '@/components/ui/notice';
import { TextLink } from '@/components/ui/text-link';

/**
 * Shown where a mailed verification link lands with ?error= (better-auth appends
 * INVALID_TOKEN, TOKEN_EXPIRED, … to the callback URL when the link does not work).
 */
export function VerificationErrorNotice() {
  return (
    <Notice tone="error" className="mt-6">
      That verification link is invalid or has expired; links work for one hour.{' '}
      <TextLink href="/sign-in">Sign in</TextLink> with your address and password to get a new one.
    </Notice>
  );
}
